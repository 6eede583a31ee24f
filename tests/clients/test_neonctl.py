"""Neon's CLI (`neonctl`, pinned in package-lock.json) against the emulator server (e2e).

`--api-host` points it at the emulator; `--no-analytics` keeps it offline; a throwaway `--config-dir` and
`--context-file` keep it away from the user's own Neon setup. Each command's JSON output is checked.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from neon_emulator import EmulatorServer
from tests.clients.conftest import API_KEY, NodeClients

pytestmark = pytest.mark.e2e
TIMEOUT = 90


class Neonctl:
    def __init__(self, clients: NodeClients, server: EmulatorServer, home: Path) -> None:
        self._base = [
            *clients.neonctl,
            f"--api-host={server.base_url}",
            f"--api-key={API_KEY}",
            "--no-analytics",
            "--no-color",
            f"--config-dir={home}",
            f"--context-file={home / 'context.json'}",
        ]
        self.server = server
        self.project_id = ""

    def run(self, *args: str, output: str | None = "json") -> Any:
        """Run one command; its JSON output (or text when `output` is None). Fails with the CLI's stderr."""
        command = [*self._base, *args]
        if self.project_id and args[0] not in ("projects",):
            command.append(f"--project-id={self.project_id}")
        if output is not None:
            command.append(f"--output={output}")
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        assert done.returncode == 0, f"neonctl {' '.join(args)} failed: {done.stderr.strip()}"
        return json.loads(done.stdout) if output == "json" else done.stdout.strip()

    def fails(self, *args: str) -> str:
        done = subprocess.run([*self._base, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False)
        assert done.returncode != 0, done.stdout
        return done.stderr.strip()

    def settle(self) -> None:
        """Wait until the emulator's operations (50 ms each) have finished, as neonctl does not wait for all
        of them (asked of the in-process backend, instead of sleeping longer than they can take)."""
        backend, deadline = self.server.backend, time.monotonic() + 10
        while any(op.end_at > backend.now() for p in backend.snapshot() for op in p.operations):
            assert time.monotonic() < deadline, "the emulator's operations did not finish within 10 s"
            time.sleep(0.01)


@pytest.fixture
def neonctl(neon_clients: NodeClients, emulator: EmulatorServer, tmp_path: Path) -> Neonctl:
    return Neonctl(neon_clients, emulator, tmp_path)


def test_projects_lifecycle(neonctl: Neonctl) -> None:
    assert neonctl.run("projects", "list") == {"projects": [], "shared_with_you": []}
    created = neonctl.run("projects", "create", "--name", "cli-project", "--region-id", "aws-eu-central-1")
    project = created["project"]
    assert (project["name"], project["region_id"], project["pg_version"]) == ("cli-project", "aws-eu-central-1", 17)
    assert project["settings"]["allowed_ips"] == {"ips": [], "protected_branches_only": False}
    assert created["connection_uris"][0]["connection_uri"].startswith("postgresql://neondb_owner:npg_")
    neonctl.settle()
    listed = neonctl.run("projects", "list")
    assert [p["id"] for p in listed["projects"]] == [project["id"]]
    got = neonctl.run("projects", "get", project["id"])
    assert (got["id"], got["name"], got["history_retention_seconds"]) == (project["id"], "cli-project", 86_400)
    deleted = neonctl.run("projects", "delete", project["id"])
    assert deleted["id"] == project["id"]
    assert f"project {project['id']} not found" in neonctl.fails("projects", "get", project["id"])
    assert neonctl.server.backend.snapshot() == []


def test_branches_databases_roles_operations_and_connection_string(neonctl: Neonctl) -> None:
    project = neonctl.run("projects", "create", "--name", "cli-branches")["project"]
    neonctl.project_id = project["id"]
    neonctl.settle()
    main = next(b for b in neonctl.run("branches", "list") if b["default"])

    created = neonctl.run("branches", "create", "--name", "dev")
    dev = created["branch"]
    assert (dev["name"], dev["parent_id"]) == ("dev", main["id"])
    assert [e["type"] for e in created["endpoints"]] == ["read_write"]
    neonctl.settle()
    assert sorted(b["name"] for b in neonctl.run("branches", "list")) == ["dev", "main"]
    assert neonctl.run("branches", "get", "dev")["id"] == dev["id"]
    assert neonctl.run("branches", "rename", "dev", "feature")["name"] == "feature"

    role = neonctl.run("roles", "create", "--branch", "feature", "--name", "app")
    assert (role["name"], role["password"].startswith("npg_")) == ("app", True)
    neonctl.settle()
    database = neonctl.run("databases", "create", "--branch", "feature", "--name", "appdb", "--owner-name", "app")
    assert (database["name"], database["owner_name"]) == ("appdb", "app")
    neonctl.settle()
    assert sorted(r["name"] for r in neonctl.run("roles", "list", "--branch", "feature")) == ["app", "neondb_owner"]
    assert sorted(d["name"] for d in neonctl.run("databases", "list", "--branch", "feature")) == ["appdb", "neondb"]

    uri = neonctl.run("connection-string", "feature", "--database-name", "appdb", "--role-name", "app", output=None)
    assert uri.startswith(f"postgresql://app:{role['password']}@ep-")
    assert "/appdb?sslmode=require" in uri

    assert neonctl.run("databases", "delete", "appdb", "--branch", "feature")["name"] == "appdb"
    neonctl.settle()
    assert neonctl.run("roles", "delete", "app", "--branch", "feature")["name"] == "app"
    neonctl.settle()
    assert [d["name"] for d in neonctl.run("databases", "list", "--branch", "feature")] == ["neondb"]

    actions = [op["action"] for op in neonctl.run("operations", "list")]
    assert actions[-2:] == ["start_compute", "create_timeline"]  # newest first: the project's own two are last
    assert actions.count("apply_config") == 4

    assert neonctl.run("branches", "delete", "feature")["id"] == dev["id"]
    neonctl.settle()
    assert [b["name"] for b in neonctl.run("branches", "list")] == ["main"]


def test_branches_restore(neonctl: Neonctl) -> None:
    project = neonctl.run("projects", "create", "--name", "cli-restore")["project"]
    neonctl.project_id = project["id"]
    neonctl.settle()
    dev = neonctl.run("branches", "create", "--name", "dev")["branch"]
    neonctl.settle()

    branch = neonctl.run("branches", "restore", "dev", "^parent")  # a reset prints the branch itself
    assert (branch["id"], branch["current_state"], branch["parent_id"]) == (dev["id"], "resetting", dev["parent_id"])
    neonctl.settle()
    assert neonctl.run("branches", "get", "dev")["last_reset_at"]

    point = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    restored = neonctl.run("branches", "restore", "dev", f"^self@{point}", "--preserve-under-name", "dev-before")
    assert (restored["restored_branch"]["id"], restored["restored_branch"]["parent_timestamp"]) == (dev["id"], point)
    neonctl.settle()
    names = sorted(b["name"] for b in neonctl.run("branches", "list"))
    assert names == ["dev", "dev-before", "main"]


def test_snapshots_schedule_restore_and_finalize(neonctl: Neonctl) -> None:
    project = neonctl.run("projects", "create", "--name", "cli-snapshots")["project"]
    neonctl.project_id = project["id"]
    neonctl.settle()
    schedule = [{"frequency": "daily", "hour": 3, "retention_seconds": 604_800}]
    assert (
        neonctl.run("snapshots", "schedule", "set", "--frequency", "daily", "--hour", "3", "--retention", "604800")
        == schedule
    )
    assert neonctl.run("snapshots", "schedule", "get") == schedule

    snapshot = neonctl.run("snapshots", "create", "--name", "before-migration")
    assert (snapshot["name"], snapshot["manual"]) == ("before-migration", True)
    assert [s["id"] for s in neonctl.run("snapshots", "list")] == [snapshot["id"]]
    assert neonctl.run("snapshots", "update", "before-migration", "--name", "kept")["name"] == "kept"

    restored = neonctl.run("snapshots", "restore", "kept", "--name", "inspect")
    branch = restored.get("restored_branch", restored.get("branch"))
    assert (branch["name"], branch["restore_status"], branch["restored_from"]) == (
        "inspect",
        "restored",
        snapshot["id"],
    )
    neonctl.settle()
    neonctl.run("snapshots", "finalize", "inspect")
    neonctl.settle()
    branches = {b["name"]: b for b in neonctl.run("branches", "list")}
    assert sorted(branches) == ["main", "main (old)"]
    assert (branches["main"]["id"], branches["main"]["restore_status"]) == (branch["id"], "finalized")

    assert neonctl.run("snapshots", "delete", "kept")["id"] == snapshot["id"]
    assert neonctl.run("snapshots", "list") == []
