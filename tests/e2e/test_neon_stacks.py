"""The real Pulumi CLI runs the staging and production stacks against the emulator (issue 4's checks).

The tests in this module share one deployment (the `neon_world` fixture) and run in file order:
each leaves the world as it found it, except where it says otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from neon_emulator import FaultRule
from tests.support.neon_world import E2E_API_KEY, NeonWorld, start_world

pytestmark = pytest.mark.e2e

RESOURCES_PER_STACK = 5  # project, default-branch protection, database, role, backup schedule


def state(world: NeonWorld) -> list[dict[str, Any]]:
    response = httpx.get(f"{world.server.admin_url}/state", timeout=10)
    response.raise_for_status()
    projects: list[dict[str, Any]] = response.json()["projects"]
    return projects


def project_named(world: NeonWorld, name: str) -> dict[str, Any]:
    matches = [p for p in state(world) if p["project"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one project named {name}, found {len(matches)}"
    return matches[0]


def default_branch(dump: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in dump["branches"] if b["branch"]["default"])


def changed_inputs(step: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What a preview step changes, from its old and new inputs (Python dynamic providers report
    no `diffReasons`; `infra pr-diff` reads steps the same way)."""
    old, new = step["oldState"]["inputs"], step["newState"]["inputs"]
    return {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


# 1 ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Declared:
    """What a stack file declares (Pulumi.<stack>.yaml), as the emulator should end up holding it."""

    stack: str
    name: str
    retention: int
    min_cu: float
    max_cu: float
    suspend: int


DECLARED = [
    Declared("staging", "workshelf-staging", 604_800, 0.25, 2, 300),
    Declared("production", "workshelf-production", 2_592_000, 0.5, 4, -1),
]


@pytest.mark.parametrize("declared", DECLARED, ids=lambda d: d.stack)
def test_up_creates_what_the_stack_files_declare(neon_world: NeonWorld, declared: Declared) -> None:
    stack, name, retention = declared.stack, declared.name, declared.retention
    min_cu, max_cu, suspend = declared.min_cu, declared.max_cu, declared.suspend
    dump = project_named(neon_world, name)
    project = dump["project"]
    assert project["history_retention_seconds"] == retention
    assert project["region_id"] == "aws-eu-central-1"
    assert project["pg_version"] == 17
    assert project["default_endpoint_settings"]["autoscaling_limit_min_cu"] == min_cu
    assert project["default_endpoint_settings"]["autoscaling_limit_max_cu"] == max_cu
    assert project["default_endpoint_settings"]["suspend_timeout_seconds"] == suspend
    branch = default_branch(dump)
    assert branch["branch"]["name"] == "main"
    assert branch["branch"]["protected"] is True
    assert [d["name"] for d in branch["databases"]] == ["workshelf"]
    assert [r["name"] for r in branch["roles"]] == ["workshelf_owner"]
    outputs = neon_world.project.outputs(stack)
    assert outputs["environment"] == stack
    assert outputs["neon_project_id"] == project["id"]
    assert outputs["neon_branch_id"] == branch["branch"]["id"]
    assert outputs["database_url"] == "[secret]"


def test_each_environment_has_its_own_project(neon_world: NeonWorld) -> None:
    assert sorted(p["project"]["name"] for p in state(neon_world)) == [
        "workshelf-production",
        "workshelf-staging",
    ]


# 2 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["staging", "production"])
def test_preview_after_up_changes_nothing_and_calls_no_api(neon_world: NeonWorld, stack: str) -> None:
    neon_world.clear_requests()
    preview = neon_world.project.preview_json(stack, "--expect-no-changes")
    assert {step["op"] for step in preview["steps"]} == {"same"}
    assert neon_world.request_total() == 0, neon_world.backend.request_counts()


# The provider process the engine talks to is the one our language host prewarmed (infra/toolchain/
# prewarm.py) when the command runs the program; `refresh` does not start the language host, and the
# SDK's own script starts the provider, as it always did.
@pytest.mark.parametrize(
    ("command", "events"),
    [
        (("preview", "--expect-no-changes"), ["warmed", "claimed"]),
        (("up", "--yes", "--skip-preview", "--expect-no-changes"), ["warmed", "claimed"]),
        (("refresh", "--yes", "--skip-preview"), ["fallback"]),
    ],
    ids=["preview", "up", "refresh"],
)
def test_the_dynamic_provider_is_the_prewarmed_process_when_the_program_runs(
    neon_world: NeonWorld, command: tuple[str, ...], events: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = tmp_path / "prewarm.jsonl"
    monkeypatch.setitem(neon_world.project.env, "WORKSHELF_PREWARM_TRACE", str(trace))
    neon_world.project.run(*command, stack="staging")
    traced = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [e["event"] for e in traced] == events
    if events == ["warmed", "claimed"]:
        assert traced[0]["pid"] == traced[1]["pid"]  # the process that warmed up serves


# 3 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["staging", "production"])
def test_refresh_reads_each_resource_once(neon_world: NeonWorld, stack: str) -> None:
    neon_world.clear_requests()
    neon_world.project.run("refresh", "--yes", "--skip-preview", stack=stack)
    counts = neon_world.backend.request_counts()
    assert all(key.startswith("GET ") for key in counts), counts
    assert sum(counts.values()) <= RESOURCES_PER_STACK, counts
    assert all(n == 1 for n in counts.values()), counts


# 4 ------------------------------------------------------------------------------------------------
def test_retention_change_is_previewed_as_that_one_update_and_applied(neon_world: NeonWorld) -> None:
    project = neon_world.project
    project.set_config("staging", "neon", "historyRetentionSeconds", 86_400)
    preview = project.preview_json("staging")
    changed = [s for s in preview["steps"] if s["op"] != "same"]
    assert [s["op"] for s in changed] == ["update"], changed
    assert changed[0]["urn"].endswith("::staging-project")
    assert changed_inputs(changed[0]) == {"history_retention_seconds": (604_800, 86_400)}
    project.up("staging")
    assert project_named(neon_world, "workshelf-staging")["project"]["history_retention_seconds"] == 86_400
    # Back to the committed value, so the following tests start from the stack file's state.
    project.set_config("staging", "neon", "historyRetentionSeconds", 604_800)
    project.up("staging")
    assert project_named(neon_world, "workshelf-staging")["project"]["history_retention_seconds"] == 604_800


# 5 ------------------------------------------------------------------------------------------------
def test_refresh_reports_drift_made_outside_pulumi(neon_world: NeonWorld) -> None:
    project_id = project_named(neon_world, "workshelf-staging")["project"]["id"]
    response = httpx.patch(
        f"{neon_world.server.base_url}/projects/{project_id}",
        json={"project": {"history_retention_seconds": 3_600}},
        headers={"Authorization": f"Bearer {E2E_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    summary = json.loads(neon_world.project.run("refresh", "--preview-only", "--json", stack="staging").stdout)
    assert summary["changeSummary"] == {"same": RESOURCES_PER_STACK + 1, "update": 1}
    text = neon_world.project.run("refresh", "--preview-only", "--diff", stack="staging").stdout
    changed_lines = [line.strip() for line in text.splitlines() if line.strip().startswith("~ ") and "=>" in line]
    assert changed_lines == ["~ history_retention_seconds          : 604800 => 3600"], text
    # `up --refresh` puts the declared value back.
    neon_world.project.up("staging", "--refresh")
    assert project_named(neon_world, "workshelf-staging")["project"]["history_retention_seconds"] == 604_800


# 6 ------------------------------------------------------------------------------------------------
def test_destroying_production_is_refused_and_the_project_survives(neon_world: NeonWorld) -> None:
    result = neon_world.project.run("destroy", "--yes", "--skip-preview", stack="production", check=False)
    assert result.returncode != 0
    assert "protect" in result.output
    dump = project_named(neon_world, "workshelf-production")
    assert default_branch(dump)["branch"]["protected"] is True
    assert neon_world.project.outputs("production")["neon_project_id"] == dump["project"]["id"]


# 7 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["staging", "production"])
def test_state_holds_no_plaintext_secret(neon_world: NeonWorld, stack: str) -> None:
    url = neon_world.project.outputs(stack, secrets=True)["database_url"]
    password = httpx.URL(url).password
    assert password
    assert len(password) >= 12
    state_text = neon_world.project.state_file(stack).read_text()
    for secret in (password, url, E2E_API_KEY):
        assert secret not in state_text
    stack_file = neon_world.project.stack_file(stack).read_text()
    assert password not in stack_file
    assert E2E_API_KEY not in stack_file


# 8 ------------------------------------------------------------------------------------------------
def test_up_converges_through_faults_without_duplicates(tmp_path_factory: pytest.TempPathFactory) -> None:
    backend, server, project = start_world(tmp_path_factory.mktemp("faults"))
    try:
        # The database and role come with the project (never POSTed), so the 429 and the dropped
        # response hit the calls the create makes: the name lookup and the project's POST.
        faults = [
            FaultRule(kind="status", status=502, count=1, method="POST", path="/projects"),
            FaultRule(kind="drop_after", count=1, method="POST", path="/projects"),
            FaultRule(kind="status", status=423, count=2, method="PATCH", path="/projects/*/branches/*"),
            FaultRule(kind="status", status=429, count=1, retry_after=1, method="GET", path="/projects"),
        ]
        for fault in faults:
            backend.faults.add(fault)
        project.init("staging")
        project.up("staging")
        log = backend.request_log
        assert {entry.status for entry in log} >= {502, 423, 429}
        assert any("drop_after" in (entry.fault or "") for entry in log)
        assert not [e for e in log if e.method == "POST" and e.path.endswith(("/databases", "/roles"))]
        projects = httpx.get(f"{server.admin_url}/state", timeout=10).json()["projects"]
        assert [p["project"]["name"] for p in projects] == ["workshelf-staging"]
        dump = projects[0]
        branch = default_branch(dump)
        assert branch["branch"]["protected"] is True
        assert [r["name"] for r in branch["roles"]] == ["workshelf_owner"]
        assert [d["name"] for d in branch["databases"]] == ["workshelf"]
        # Converged: the next preview is a no-op.
        project.preview_json("staging", "--expect-no-changes")
    finally:
        server.stop()


# Destroying an environment: all or nothing --------------------------------------------------------
def test_destroying_staging_is_refused_while_protected_then_takes_everything_once_unprotected(
    neon_world: NeonWorld,
) -> None:
    project = neon_world.project
    refused = project.run("destroy", "--yes", "--skip-preview", stack="staging", check=False)
    assert refused.returncode != 0
    assert "protected" in refused.output
    dump = project_named(neon_world, "workshelf-staging")  # nothing was lost on the way
    branch = default_branch(dump)
    assert [d["name"] for d in branch["databases"]] == ["workshelf"]
    assert [r["name"] for r in branch["roles"]] == ["workshelf_owner"]
    # Two deliberate steps: unprotect (reviewed like any change), then destroy.
    project.set_config("staging", "neon", "protectDefaultBranch", False)
    project.up("staging")
    project.run("destroy", "--yes", "--skip-preview", stack="staging")
    assert [p["project"]["name"] for p in state(neon_world)] == ["workshelf-production"]
