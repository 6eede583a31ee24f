"""Neon's TypeScript client (`@neondatabase/api-client`, pinned) against the emulator server (e2e).

`api_client_check.mjs` makes the calls and checks each answer; this test runs it and checks what it
reports, and that the emulator saw the requests.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from neon_emulator import EmulatorServer
from tests.clients.conftest import API_KEY, NodeClients

pytestmark = pytest.mark.e2e
SCRIPT = Path(__file__).resolve().parent / "api_client_check.mjs"


def test_typescript_client_drives_every_resource(neon_clients: NodeClients, emulator: EmulatorServer) -> None:
    env = {
        **os.environ,
        "NEON_API_HOST": emulator.base_url,
        "NEON_API_KEY": API_KEY,
        "NODE_CLIENTS": str(neon_clients.modules),
    }
    done = subprocess.run(
        [neon_clients.node, str(SCRIPT)], capture_output=True, text=True, timeout=180, env=env, check=False
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failures"] == [], done.stderr
    assert done.returncode == 0
    distinct = set(report["calls"])
    assert len(distinct) >= 15, sorted(distinct)
    assert {
        "createProject",
        "createProjectBranch",
        "createProjectEndpoint",
        "createProjectBranchDatabase",
    } - distinct == {"createProjectEndpoint"}
    assert {"listProjectEndpoints", "createProjectBranchRole", "listProjectOperations", "restoreSnapshot"} <= distinct
    seen = emulator.backend.request_counts()
    assert seen["POST /projects"] == 1
    assert seen["GET /projects/{project_id}"] == 2  # one read, one refused (unknown id)
    assert seen["POST /projects/{project_id}/snapshots/{snapshot_id}/restore"] == 1
    assert len(seen) >= 25
    assert emulator.backend.snapshot() == []  # the script deleted what it made
