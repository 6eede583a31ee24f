"""`python -m infra pr-diff` and `drift` with the real engine, our stacks and the emulator.

The tests share one deployment (`world`); each edits the copy's stack files as a pull request would
and `pristine` puts them back. The drift test runs last: it changes Neon behind Pulumi's back.
"""

from __future__ import annotations

import json

import httpx
import pytest

from infra.errors import ExitCode
from infra.ops.prdiff.gate import ACK_FLAG
from infra.ops.prdiff.render import MARKER
from infra.ops.prdiff.run import PrDiffOptions, pr_diff
from infra.ops.pulumi import PulumiCli
from tests.ops.prdiff.scenarios import edit_stack_file, prdiff_env, run_infra, unprotect_production_branch
from tests.support.neon_world import E2E_API_KEY, NeonWorld
from tests.support.pulumi_project import TEST_PASSPHRASE

pytestmark = pytest.mark.e2e

BOTH = ("--stack", "staging", "--stack", "production")


def _mutations(world: NeonWorld) -> list[str]:
    return [key for key in world.backend.request_counts() if not key.startswith("GET ")]


def test_no_changes__verdict_no_changes_exit_0(pristine: NeonWorld) -> None:
    result = run_infra(pristine.project, "pr-diff", *BOTH)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout.startswith(MARKER)
    assert "### Infra diff — ✅ no changes" in result.stdout
    assert "**staging:** no changes · **production:** no changes" in result.stdout
    assert result.stderr == ""


def test_retention_change__staging_update_with_the_restore_horizon(pristine: NeonWorld) -> None:
    edit_stack_file(pristine.project, "staging", "neon", {"historyRetentionSeconds": 86_400})
    result = run_infra(pristine.project, "pr-diff", *BOTH)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "**staging:** 1 update · **production:** no changes" in result.stdout
    assert "- ⚠️ **staging: restore horizon shortened from 7 days to 1 day.**" in result.stdout
    assert (
        "| `staging-project` Project | update | `history_retention_seconds`: `604800 (7 days)` → "
        "`86400 (1 day)` |" in result.stdout
    )


def test_retention_change__same_report_through_the_ops_function(pristine: NeonWorld) -> None:
    edit_stack_file(pristine.project, "staging", "neon", {"historyRetentionSeconds": 86_400})
    cli = PulumiCli(pristine.project.root, base_env=prdiff_env(pristine.project))
    result = pr_diff(PrDiffOptions(stacks=["staging"], project_dir=pristine.project.root), cli)
    [stack] = result.report.stacks
    assert [(c.name, c.action) for c in stack.preview.changes] == [("staging-project", "update")]
    assert [r.kind for r in stack.risks] == ["retention-shortened"]
    assert stack.facts.plan == "launch"


def test_region_change_on_production__blocked_then_let_through_by_the_acknowledgement(pristine: NeonWorld) -> None:
    edit_stack_file(pristine.project, "production", "neon", {"regionId": "aws-us-east-2"})
    pristine.backend.log.clear()
    blocked = run_infra(pristine.project, "pr-diff", *BOTH)
    assert blocked.returncode == ExitCode.BLOCKED, blocked.stderr
    assert "### Infra diff — ⛔ merge blocked (destructive change not acknowledged)" in blocked.stdout
    assert (
        "- ⛔ **production project `production-project` would be replaced "
        "(`region_id`: `aws-eu-central-1` → `aws-us-east-2`).**" in blocked.stdout
    )
    assert "| **`production-project`** Project | **replace** (`region_id`; blocked by `protect`)" in blocked.stdout
    assert "blocked by the destructive-change gate (1 change):" in blocked.stderr
    assert "infra:acknowledge-destructive" in blocked.stderr
    acknowledged = run_infra(pristine.project, "pr-diff", *BOTH, ACK_FLAG)
    assert acknowledged.returncode == ExitCode.OK, acknowledged.stderr
    assert "_(acknowledged)_" in acknowledged.stdout
    assert acknowledged.stdout.splitlines()[1] != blocked.stdout.splitlines()[1]  # the digest changed
    assert _mutations(pristine) == []  # previews never touch Neon


def test_protection_removal_on_production__blocked(pristine: NeonWorld) -> None:
    unprotect_production_branch(pristine.project)
    result = run_infra(pristine.project, "pr-diff", *BOTH)
    assert result.returncode == ExitCode.BLOCKED, result.stderr
    assert "**staging:** no changes · **production:** 1 update" in result.stdout
    assert "- ⛔ **production branch `production-default-branch` loses Neon branch protection.**" in result.stdout
    assert "“data migration INC-42: the vendor tool needs an unprotected branch”" in result.stdout
    assert "| `production-default-branch` Branch | update | `protected`: `true` → `false` |" in result.stdout


def test_comment_and_messages_hold_no_password_uri_api_key_or_passphrase(pristine: NeonWorld) -> None:
    secrets = [E2E_API_KEY, TEST_PASSPHRASE]
    for stack in ("staging", "production"):
        url = pristine.project.outputs(stack, secrets=True)["database_url"]
        secrets += [url, str(httpx.URL(url).password)]
    edit_stack_file(pristine.project, "staging", "neon", {"historyRetentionSeconds": 86_400, "pgVersion": 16})
    edit_stack_file(pristine.project, "production", "neon", {"regionId": "aws-us-east-2"})
    result = run_infra(pristine.project, "pr-diff", *BOTH)
    assert result.returncode == ExitCode.BLOCKED
    assert "staging-owner-role" in result.stdout  # the role, whose outputs hold the secrets, is in the diff
    for secret in secrets:
        assert secret not in result.stdout
        assert secret not in result.stderr
    assert "postgres" not in result.stdout.replace("postgresql-", "")


def test_drift__none_then_found_after_a_change_in_neon(world: NeonWorld) -> None:
    clean = run_infra(world.project, "drift", "--stack", "staging")
    assert clean.returncode == ExitCode.OK, clean.stderr
    assert "**staging:** no drift" in clean.stdout
    projects = httpx.get(f"{world.server.admin_url}/state", timeout=10).json()["projects"]
    staging_id = next(p["project"]["id"] for p in projects if p["project"]["name"] == "workshelf-staging")
    httpx.patch(
        f"{world.server.base_url}/projects/{staging_id}",
        json={"project": {"history_retention_seconds": 3_600}},
        headers={"Authorization": f"Bearer {E2E_API_KEY}"},
        timeout=10,
    ).raise_for_status()
    drifted = run_infra(world.project, "drift", "--stack", "staging", "--stack", "production")
    assert drifted.returncode == ExitCode.DRIFT, drifted.stderr
    assert "**staging:** 1 resource drifted · **production:** no drift" in drifted.stdout
    assert (
        "| `staging-project` Project | `history_retention_seconds` | `604800 (7 days)` | `3600 (1 hour)` |"
        in drifted.stdout
    )
    assert "drift check: staging: 1 resource drifted; production: no drift" in drifted.stderr
    # A drift check writes no state: Pulumi still records the deployed value.
    state = json.loads(world.project.state_file("staging").read_text())
    [project] = [r for r in state["checkpoint"]["latest"]["resources"] if r["urn"].endswith("::staging-project")]
    assert project["outputs"]["history_retention_seconds"] == 604_800
    world.project.up("staging", "--refresh")
    assert run_infra(world.project, "drift", "--stack", "staging").returncode == ExitCode.OK
