"""The fault matrix: `pulumi up --stack staging` from empty under each fault, then `up` again without it.

Each case starts from an empty emulator and an empty stack. The first `up` either gets through (the
client retries, recovers a lost response, re-protects) or fails with one line naming what happened
(the project's id once one existed); the second `up` must converge. Then, whatever happened: exactly one
project named `workshelf-staging` (no duplicate), and it is the one the state knows (no orphan); its
branch protected, its database and role there, and a preview with no changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from neon_emulator import EmulatorServer, FaultRule
from tests.support.neon_world import E2E_API_KEY, NeonWorld, deployed_world
from tests.support.pulumi_project import CommandRun, PulumiProject

pytestmark = pytest.mark.e2e

PROJECTS, OPERATION = "/projects", "/projects/*/operations/*"
OPERATIONS = "/projects/*/operations"  # the list: how a chain of operations is polled
BRANCH, DATABASES, ROLES = "/projects/*/branches/*", "/projects/*/branches/*/databases", "/projects/*/branches/*/roles"
SCHEDULE = "/projects/*/branches/*/backup_schedule"
SERVER_HINT = r"; hint: Neon \(or a proxy in front of it\) failed: try again"


def fault(kind: str, method: str, path: str, count: int | None = 1, **extra: Any) -> FaultRule:
    if kind.isdigit():
        return FaultRule(kind="status", status=int(kind), count=count, method=method, path=path, **extra)
    return FaultRule(kind=kind, count=count, method=method, path=path, **extra)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    name: str
    faults: tuple[FaultRule, ...]
    error: str | None = None  # the first up fails with an error line matching this; None: it succeeds
    never_sent: tuple[tuple[str, str], ...] = ()  # (method, path) the create must not call at all


CASES = [
    # Failed operations: the project's own (the half-made project is deleted again), and the protection's
    # (the project is kept with a warning; the default branch's resource protects it).
    Case(
        "op-failed-project",
        (fault("operation_failed", "POST", PROJECTS),),
        r"created Neon project [a-z0-9-]+ \('workshelf-staging', [0-9TZ:.-]+\) but wait_for_operations: Neon "
        r"operation create_timeline \(\S+\) ended failed: .+; the half-made project was deleted again, nothing is "
        r"left behind; hint: run `pulumi up` again",
    ),
    Case("op-failed-protection-once", (fault("operation_failed", "PATCH", BRANCH),)),
    # Dropped requests and responses on every call of the chain: retried, or recovered by name.
    Case(
        "dropped",
        (
            fault("drop_after", "GET", PROJECTS),
            fault("drop_before", "POST", PROJECTS),
            fault("drop_after", "POST", PROJECTS),
            fault("drop_after", "GET", OPERATION),
            fault("drop_after", "GET", OPERATIONS),
            fault("drop_after", "PATCH", BRANCH),
            fault("drop_after", "PUT", SCHEDULE),
        ),
    ),
    # 5xx (and 423/429) that go away: retried through on every step.
    Case(
        "5xx-transient",
        (
            fault("500", "GET", PROJECTS, count=2),
            fault("502", "POST", PROJECTS),
            fault("502", "GET", OPERATION, count=2),
            fault("502", "GET", OPERATIONS, count=2),
            fault("500", "PATCH", BRANCH, count=2),
            fault("423", "PATCH", BRANCH, count=2),
            fault("502", "PUT", SCHEDULE, count=2),
            FaultRule(kind="status", status=429, count=2, retry_after=1),
        ),
    ),
    # 5xx that outlast the client's retries (8 attempts, ~30 s), one step at a time.
    Case(
        "5xx-project",
        (fault("503", "POST", PROJECTS, count=None),),
        r"create_project failed: HTTP 503 \[SERVICE_UNAVAILABLE\] .+ \(gave up after 8 attempt\(s\) in [0-9.]+s\)"
        + SERVER_HINT,
    ),
    Case(
        "5xx-polls",
        (fault("502", "GET", OPERATION, count=None), fault("502", "GET", OPERATIONS, count=None)),
        r"created Neon project [a-z0-9-]+ .+ but list_operations failed: HTTP 502 .+; the half-made project "
        r"was deleted again, nothing is left behind; hint: run `pulumi up` again \(Neon \(or a proxy in front of "
        r"it\) failed: try again\)",
    ),
    # The database and role came with the project: never POSTed, so faults there cannot matter.
    Case(
        "5xx-database-and-role",
        (fault("500", "POST", DATABASES, count=None), fault("500", "POST", ROLES, count=None)),
        never_sent=(("POST", DATABASES), ("POST", ROLES)),
    ),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeonWorld]:
    """One emulator and project copy for the matrix; each case starts from an empty emulator and backend."""
    with deployed_world(tmp_path_factory.mktemp("fault-matrix"), stacks=()) as started:
        yield started


def fresh(server: EmulatorServer, project: PulumiProject, case: str) -> None:
    """An empty emulator and an empty staging stack (in a backend of its own)."""
    httpx.post(f"{server.admin_url}/reset", timeout=10).raise_for_status()
    project.backend = project.root.parent / f"state-{case}"
    project.backend.mkdir()
    project.env["PULUMI_BACKEND_URL"] = f"file://{project.backend}"
    project.init("staging")


def known_project(project: PulumiProject) -> str:
    """The project id the state holds (read from the state file: no CLI call)."""
    state = json.loads(project.state_file("staging").read_text())
    (found,) = [r["id"] for r in state["checkpoint"]["latest"]["resources"] if r["type"].endswith("neon:Project")]
    return str(found)


def projects(server: EmulatorServer) -> list[dict[str, Any]]:
    dumped: list[dict[str, Any]] = httpx.get(f"{server.admin_url}/state", timeout=10).json()["projects"]
    return dumped


def our_error(run: CommandRun) -> str:
    """The provider's error line (one, never a traceback), besides the engine's own summary lines."""
    assert "Traceback" not in run.output
    assert 'File "' not in run.output
    engine = ("update failed", "Resource monitor has terminated, shutting down")
    lines = [
        line.strip().removeprefix("error: ")
        for line in run.output.splitlines()
        if line.strip().startswith("error: ") and line.strip().removeprefix("error: ") not in engine
    ]
    assert len(lines) == 1, run.output[-3000:]
    return lines[0]


def assert_converged(server: EmulatorServer, project: PulumiProject) -> None:
    named = [p for p in projects(server) if p["project"]["name"] == "workshelf-staging"]
    assert len(named) == 1, [p["project"]["id"] for p in named]  # no duplicate
    assert [p["project"]["id"] for p in projects(server)] == [known_project(project)]  # no orphan
    branch = next(b for b in named[0]["branches"] if b["branch"]["default"])
    assert branch["branch"]["protected"] is True
    assert [d["name"] for d in branch["databases"]] == ["workshelf"]
    assert [r["name"] for r in branch["roles"]] == ["workshelf_owner"]
    assert branch["backup_schedule"] == [{"frequency": "daily", "hour": 3, "retention_seconds": 7 * 86_400}]
    project.preview_json("staging", "--expect-no-changes")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_up_under_the_fault_then_again_converges(world: NeonWorld, case: Case) -> None:
    backend, server, project = world.backend, world.server, world.project
    fresh(server, project, case.name)
    for rule in case.faults:
        backend.faults.add(rule)
    first = project.run("up", "--yes", "--skip-preview", stack="staging", check=False)
    for method, pattern in case.never_sent:
        route = re.compile(pattern.replace("*", "[^/]+") + "$")
        assert not [e for e in backend.request_log if e.method == method and route.match(e.path)]
    if case.error is None:
        assert first.returncode == 0, first.output[-3000:]
    else:
        assert first.returncode != 0
        line = our_error(first)
        assert re.fullmatch(case.error, line), line
    backend.faults.clear()
    project.up("staging")
    assert_converged(server, project)


def test_a_half_made_project_that_cannot_be_deleted_is_named_and_never_duplicated(
    world: NeonWorld,
) -> None:
    backend, server, project = world.backend, world.server, world.project
    fresh(server, project, "undo-fails")
    backend.faults.add(fault("operation_failed", "POST", PROJECTS))
    backend.faults.add(fault("500", "DELETE", "/projects/*", count=None))
    first = project.run("up", "--yes", "--skip-preview", stack="staging", check=False)
    (left,) = [p["project"]["id"] for p in projects(server)]
    assert re.fullmatch(
        rf"created Neon project {left} .+; deleting the half-made project failed too: delete_project failed: HTTP 500 "
        rf".+; hint: delete project {left} in the Neon console \(or adopt it: workshelf-infra:neon.adoptProjectId: "
        rf"{left}\), then run `pulumi up` again",
        our_error(first),
    )
    backend.faults.clear()
    second = project.run("up", "--yes", "--skip-preview", stack="staging", check=False)
    assert f"already exists in the API key's account and this stack's state does not know it: {left} " in our_error(
        second
    )
    assert [p["project"]["id"] for p in projects(server)] == [left]  # refused, not duplicated
    # The other way out the message names: delete it. Then `up` converges.
    httpx.delete(
        f"{server.base_url}/projects/{left}", headers={"Authorization": f"Bearer {E2E_API_KEY}"}, timeout=10
    ).raise_for_status()
    project.up("staging")
    assert_converged(server, project)
