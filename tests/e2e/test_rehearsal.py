"""`make rehearse` / `make rehearse-down` with the real CLI, the real emulator process and a real PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from infra.localpg import find_binaries
from infra.ops.rehearsal.sandbox import stack_files
from infra.ops.rehearsal.services import Services, is_emulator
from tests.support.pulumi_project import REPO, require_pulumi

pytestmark = pytest.mark.e2e


def fingerprints() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in stack_files(REPO)}


def workshelf_infra(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra", *args], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def rehearsal() -> Iterator[tuple[Path, subprocess.CompletedProcess[str], dict[str, str]]]:
    require_pulumi()
    if find_binaries() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    # Not pytest's tmp_path (0700): the PostgreSQL server user must reach the data directory.
    root = Path(tempfile.mkdtemp(prefix="workshelf-rehearsal-")) / "rehearsal"
    before = fingerprints()
    done = workshelf_infra("rehearse", "up", "--dir", str(root))
    try:
        yield root, done, before
    finally:
        workshelf_infra("rehearse", "down", "--dir", str(root))


def sandbox_pulumi(root: Path, *args: str) -> str:
    script = f". {root}/env.sh && cd {root}/project && pulumi {' '.join(args)} --non-interactive"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300, check=True)
    return done.stdout


def test_both_stacks_deploy_each_under_its_declared_plan(
    rehearsal: tuple[Path, subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    root, done, _ = rehearsal
    assert done.returncode == 0, done.stdout + done.stderr
    services = Services.model_validate_json((root / "services.json").read_text())
    state = httpx.get(services.api_url.removesuffix("/api/v2") + "/_emulator/state", timeout=10).json()
    placed = {
        p["project"]["name"]: (p["project"]["org_id"], p["project"]["owner"]["subscription_type"])
        for p in state["projects"]
    }
    assert placed == {  # Neon's names for the launch and scale plans
        "workshelf-staging": ("org-rehearsal-staging", "launch_v3"),
        "workshelf-production": ("org-rehearsal-production", "scale_v3"),
    }
    lines = done.stdout.splitlines()
    assert lines[0] == f"Rehearsal ready: the Neon emulator at {services.api_url}, state and copy in {root}"
    assert lines[1].startswith("  staging     launch plan (org-rehearsal-staging): project ")
    assert lines[2].startswith("  production  scale plan (org-rehearsal-production): project ")
    assert lines[-1] == f"Remove it all: make -C {REPO} rehearse-down 'ARGS=--dir {root}'"


def test_the_committed_stack_files_stay_byte_identical(
    rehearsal: tuple[Path, subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    root, _done, before = rehearsal
    assert fingerprints() == before
    for name in ("Pulumi.staging.yaml", "Pulumi.production.yaml"):
        assert "encryptionsalt:" not in (REPO / name).read_text()
        assert "encryptionsalt:" in (root / "project" / name).read_text()  # the copy took the salt


def test_urls_are_masked_and_the_databases_answer_with_statistics(
    rehearsal: tuple[Path, subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    root, done, _ = rehearsal
    for stack in ("staging", "production"):
        url = json.loads(sandbox_pulumi(root, "stack", "output", "--json", "--show-secrets", "--stack", stack))[
            "database_url"
        ]
        password = httpx.URL(url).password
        assert password
        assert password not in done.stdout + done.stderr
        with psycopg.connect(url, connect_timeout=10) as conn:
            assert conn.execute("select current_user").fetchone() == (httpx.URL(url).username,)
    services = Services.model_validate_json((root / "services.json").read_text())
    password = (root / "pg-admin-password").read_text().strip()
    admin = f"postgresql://rehearsal_admin:{password}@127.0.0.1:{services.pg_port}/postgres"
    with psycopg.connect(admin, connect_timeout=10) as conn:
        assert conn.execute("show shared_preload_libraries").fetchone() == ("pg_stat_statements",)


def test_what_to_try_next_runs(rehearsal: tuple[Path, subprocess.CompletedProcess[str], dict[str, str]]) -> None:
    root, _done, _ = rehearsal
    sandbox_pulumi(root, "preview", "--stack", "staging", "--expect-no-changes")  # exits non-zero on a change
    outputs = json.loads(sandbox_pulumi(root, "stack", "output", "--json", "--stack", "production"))
    assert outputs["environment"] == "production"
    assert outputs["database_url"] == "[secret]"


def test_up_again_reuses_it_and_down_removes_everything(
    rehearsal: tuple[Path, subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    # Last in this file: it removes the module's rehearsal (a second fresh `rehearse up` would add ~30 s).
    root, first, _ = rehearsal
    assert first.returncode == 0, first.stdout + first.stderr
    services = Services.model_validate_json((root / "services.json").read_text())
    again = workshelf_infra("rehearse", "up", "--dir", str(root))
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"reusing the running emulator (pid {services.emulator_pid})" in again.stderr
    down = workshelf_infra("rehearse", "down", "--dir", str(root))
    assert down.returncode == 0, down.stdout + down.stderr
    assert not root.exists()
    assert not is_emulator(services.emulator_pid)
    assert not services.pg_data.exists()
    assert "nothing to remove" in workshelf_infra("rehearse", "down", "--dir", str(root)).stderr
