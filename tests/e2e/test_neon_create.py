"""The real Pulumi CLI creating staging from empty: requests at the floor, no duplicate, one line per error."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.neon_world import E2E_API_KEY, NeonWorld, deployed_world
from tests.support.pulumi_project import REPO, TEST_PASSPHRASE, CommandRun, PulumiProject

pytestmark = pytest.mark.e2e

POLL = "GET /projects/{project_id}/operations/{operation_id}"


@pytest.fixture
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeonWorld]:
    """The emulator and a project copy with no stack deployed yet."""
    with deployed_world(tmp_path_factory.mktemp("create"), stacks=()) as started:
        yield started


def projects(server: Any) -> list[dict[str, Any]]:
    dumped: list[dict[str, Any]] = httpx.get(f"{server.admin_url}/state", timeout=10).json()["projects"]
    return dumped


def error_lines(run: CommandRun) -> list[str]:
    return [line.strip() for line in run.output.splitlines() if line.strip().startswith("error:")]


def assert_no_traceback(run: CommandRun) -> None:
    assert "Traceback" not in run.output
    assert 'File "' not in run.output


def test_up_from_empty_sends_the_floor_of_requests(world: NeonWorld) -> None:
    backend, project = world.backend, world.project
    project.init("staging")
    backend.log.clear()
    project.up("staging")
    counts = backend.request_counts()
    # The lookup, POST project, PATCH protection, PUT of the backup schedule, and the polls: one list
    # of the project's operations shows both of the project's over (they take 0.05 s here), one GET
    # the protection's; the database and role came with the project (never POSTed), nothing else is read.
    assert counts == {
        "GET /projects": 1,
        "POST /projects": 1,
        "GET /projects/{project_id}/operations": 1,
        "PATCH /projects/{project_id}/branches/{branch_id}": 1,
        POLL: 1,
        "PUT /projects/{project_id}/branches/{branch_id}/backup_schedule": 1,
    }
    assert sum(counts.values()) == 6


def test_a_lost_state_never_makes_a_second_project_and_adopting_converges(
    world: NeonWorld, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server, project = world.server, world.project
    project.init("staging")
    project.up("staging")
    (existing,) = projects(server)
    # The same stack file against an empty backend: the state is lost, or the wrong backend is set.
    lost = PulumiProject.create(
        tmp_path_factory.mktemp("lost"), {"NEON_API_URL": server.base_url, "NEON_API_KEY": E2E_API_KEY}
    )
    lost.init("staging")
    refused = lost.run("up", "--yes", "--skip-preview", stack="staging", check=False)
    assert refused.returncode != 0
    assert_no_traceback(refused)
    pid, created = existing["project"]["id"], existing["project"]["created_at"]
    assert (
        f"error: a Neon project named 'workshelf-staging' already exists in the API key's account and this "
        f"stack's state does not know it: {pid} (created {created}); nothing was created; hint: adopt it "
        f"(set workshelf-infra:neon.adoptProjectId: {pid} in this stack's file) or delete it in the Neon "
        "console, then run `pulumi up` again"
    ) in error_lines(refused)
    assert [p["project"]["id"] for p in projects(server)] == [pid]
    # The way out the message names: adopt it. Nothing is created, and the next preview is clean.
    lost.set_config("staging", "neon", "adoptProjectId", pid)
    lost.up("staging")
    assert [p["project"]["id"] for p in projects(server)] == [pid]
    assert lost.outputs("staging")["neon_project_id"] == pid
    lost.preview_json("staging", "--expect-no-changes")


def test_a_wrong_api_key_is_one_line_with_status_request_id_and_hint(world: NeonWorld) -> None:
    server, project = world.server, world.project
    project.init("staging")
    project.env["NEON_API_KEY"] = "wrong-key"
    failed = project.run("up", "--yes", "--skip-preview", stack="staging", check=False)
    assert failed.returncode != 0
    assert_no_traceback(failed)
    (line,) = [line for line in error_lines(failed) if "HTTP 401" in line]
    assert re.fullmatch(
        r"error: list_projects failed: HTTP 401 \[UNAUTHORIZED\] \(request_id=[0-9a-f-]{36}\): .+; "
        r"hint: check NEON_API_KEY: an API key from the Neon console \(Account settings → API keys\)",
        line,
    ), line
    assert projects(server) == []


def test_a_plan_limit_is_one_line_and_creates_nothing(world: NeonWorld) -> None:
    server, project = world.server, world.project
    httpx.post(f"{server.admin_url}/config", json={"plan": "launch"}, timeout=10).raise_for_status()
    project.init("production")  # 30 days of history: more than the launch plan keeps
    failed = project.run("up", "--yes", "--skip-preview", stack="production", check=False)
    assert failed.returncode != 0
    assert_no_traceback(failed)
    (line,) = [line for line in error_lines(failed) if "HTTP 422" in line]
    assert line.startswith("error: create_project failed: HTTP 422 [LIMIT_EXCEEDED] (request_id=")
    assert line.endswith(
        "; hint: a limit of the Neon plan: stay within it (README, configuration reference) or change the plan"
    )
    assert projects(server) == []


def test_with_neon_org_id_the_next_preview_changes_nothing(world: NeonWorld) -> None:
    server, project = world.server, world.project
    project.env["NEON_ORG_ID"] = "org-team-1"
    project.init("staging")
    project.up("staging")
    assert [p["project"].get("org_id") for p in projects(server)] == ["org-team-1"]
    project.preview_json("staging", "--expect-no-changes")


def test_a_command_that_needs_the_stack_names_the_backend_it_looked_at_and_never_suggests_up(
    world: NeonWorld,
) -> None:
    project = world.project  # nothing deployed in this backend
    before = {p.name: p.read_bytes() for p in REPO.glob("Pulumi.*.yaml")}
    env = {**project.env, "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE}
    done = subprocess.run(
        [sys.executable, "-m", "infra", "backup-branch", "--stack", "staging"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert (
        "error: cannot read the staging stack's outputs: no staging stack in the state backend "
        f"file://{project.backend} (PULUMI_BACKEND_URL)"
    ) in done.stderr
    assert (
        "hint: if staging is deployed, point PULUMI_BACKEND_URL at the backend that holds it (README, "
        "'Passphrases and state'); `pulumi stack ls` lists what this backend holds"
    ) in done.stderr
    assert "pulumi up" not in done.stderr + done.stdout
    assert {p.name: p.read_bytes() for p in REPO.glob("Pulumi.*.yaml")} == before
