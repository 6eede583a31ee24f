"""Pull-request branches on the in-process emulator: created with the smallest compute and an expiry,
reset (not duplicated) on every push, listed, deleted (already gone is success), pruned; production
refused before any API call."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from infra.errors import ExitCode
from infra.neon import models
from infra.ops.neon.backups import BackupRequest
from infra.ops.neon.errors import NeonStackError
from infra.ops.neon.previews import PREVIEW_COMPUTE, pr_number, preview_name
from infra.ops.preview.errors import PreviewError
from infra.ops.preview.workflow import create_preview, delete_one, list_all, prune
from infra.ops.safety.backup import backup_branch
from infra.ops.times import at, human, rfc3339
from tests.support.clock import FakeClock
from tests.support.safety import HOUR, Harness


def computes(harness: Harness, branch_id: str) -> list[models.Endpoint]:
    with harness.neon() as neon:
        return neon.list_endpoints(harness.staging.project_id, branch_id=branch_id)


def branch(harness: Harness, name: str) -> models.Branch:
    return next(b for b in harness.branches() if b.name == name)


@pytest.mark.parametrize(("name", "pr"), [("preview/pr-12", 12), ("preview/pr-012", None), ("preview/pr-x", None)])
def test_preview_names(name: str, pr: int | None) -> None:
    assert pr_number(name) == pr
    if pr is not None:
        assert preview_name(pr) == name


def test_create__a_branch_of_the_default_branch_with_the_smallest_compute_and_an_expiry(
    harness: Harness, clock: FakeClock
) -> None:
    started = at(int(clock.time()))
    created = create_preview(harness.ctx, "staging", 12)
    made = branch(harness, "preview/pr-12")
    assert (created.branch_id, created.branch_name, created.reset, created.action) == (
        made.id,
        "preview/pr-12",
        False,
        "created",
    )
    assert made.parent_id == harness.staging.branch_id
    assert made.expires_at == created.expires_at
    assert created.expires_at is not None
    assert created.expires_at == started + timedelta(days=3)
    [compute] = computes(harness, made.id)
    assert (compute.type, compute.autoscaling_limit_min_cu, compute.autoscaling_limit_max_cu) == (
        "read_write",
        0.25,
        0.25,
    )
    assert compute.suspend_timeout_seconds == 300
    assert created.endpoint_host == compute.host
    assert created.database_url is None
    assert set(json.loads(created.as_json())) == {
        "pr",
        "branch_id",
        "branch_name",
        "expires_at",
        "endpoint_host",
        "reset",
    }


def test_create_again__resets_to_the_parent_and_sets_the_expiry_again(harness: Harness, clock: FakeClock) -> None:
    first = create_preview(harness.ctx, "staging", 7)
    clock.advance(HOUR)
    again = create_preview(harness.ctx, "staging", 7, expires_in=timedelta(days=5))
    assert (again.branch_id, again.reset, again.action) == (first.branch_id, True, "reset")
    made = branch(harness, "preview/pr-7")
    assert made.last_reset_at is not None
    assert made.last_reset_at >= at(clock.time()) - timedelta(seconds=10)  # the reset's operations take seconds
    assert made.expires_at == again.expires_at
    assert again.expires_at is not None
    assert again.expires_at - made.last_reset_at <= timedelta(days=5)
    assert again.expires_at - made.last_reset_at > timedelta(days=4, hours=23)
    assert [b.name for b in harness.branches()].count("preview/pr-7") == 1
    assert len(computes(harness, made.id)) == 1
    assert "==> resetting preview/pr-7 to the current data of staging's default branch" in harness.reporter.lines


def test_create_keep_data__no_reset(harness: Harness) -> None:
    create_preview(harness.ctx, "staging", 8)
    kept = create_preview(harness.ctx, "staging", 8, keep_data=True)
    assert (kept.reset, kept.action) == (False, "kept")
    assert branch(harness, "preview/pr-8").last_reset_at is None
    assert kept.lines()[0].startswith(f"preview/pr-8 ({kept.branch_id}) kept its data (--keep-data); expires ")


def test_create_again__puts_back_a_deleted_or_resized_compute(harness: Harness) -> None:
    created = create_preview(harness.ctx, "staging", 9)
    [compute] = computes(harness, created.branch_id)
    with harness.neon() as neon:
        neon.update_endpoint(
            harness.staging.project_id,
            compute.id,
            models.EndpointUpdate(autoscaling_limit_min_cu=1, autoscaling_limit_max_cu=2, suspend_timeout_seconds=0),
        )
    create_preview(harness.ctx, "staging", 9)
    [resized] = computes(harness, created.branch_id)
    assert (resized.id, resized.autoscaling_limit_max_cu, resized.suspend_timeout_seconds) == (compute.id, 0.25, 300)
    with harness.neon() as neon:
        neon.delete_endpoint(harness.staging.project_id, compute.id)
    again = create_preview(harness.ctx, "staging", 9)
    [fresh] = computes(harness, created.branch_id)
    assert fresh.id != compute.id
    assert (fresh.autoscaling_limit_max_cu, fresh.suspend_timeout_seconds) == (
        0.25,
        PREVIEW_COMPUTE.suspend_timeout_seconds,
    )
    assert again.endpoint_host == fresh.host


def test_env_output__the_only_one_with_the_url(harness: Harness) -> None:
    created = create_preview(harness.ctx, "staging", 4, with_url=True)
    assert created.database_url is not None
    url = created.database_url.get_secret_value()
    assert url.startswith("postgresql://workshelf_owner:")
    assert created.env_lines()[-1] == f"DATABASE_URL={url}"
    assert created.env_lines()[:4] == [
        "PREVIEW_BRANCH_NAME=preview/pr-4",
        f"PREVIEW_BRANCH_ID={created.branch_id}",
        f"PREVIEW_EXPIRES_AT={json.loads(created.as_json())['expires_at']}",
        "PREVIEW_RESET=false",
    ]
    assert url not in created.as_json()
    assert url not in "\n".join(created.lines())
    assert url not in harness.reporter.text


def test_production_is_refused_before_any_api_call(harness: Harness) -> None:
    for call in (
        lambda: create_preview(harness.ctx, "production", 1),
        lambda: delete_one(harness.ctx, "production", 1),
        lambda: list_all(harness.ctx, "production"),
        lambda: prune(harness.ctx, "production", frozenset()),
    ):
        with pytest.raises(PreviewError) as refused:
            call()
        assert refused.value.exit_code == ExitCode.REFUSED
        assert "refuses production: a preview would copy production's data" in refused.value.message
    assert harness.outputs_read == []


def test_expiry_beyond_30_days_is_refused_before_any_api_call(harness: Harness) -> None:
    with pytest.raises(
        NeonStackError, match=r"--expires-in 31d is longer than Neon allows for a branch expiry \(30d\)"
    ):
        create_preview(harness.ctx, "staging", 1, expires_in=timedelta(days=31))
    assert harness.outputs_read == []


def test_list_delete_prune(harness: Harness, clock: FakeClock) -> None:
    for pr in (3, 5, 11):
        create_preview(harness.ctx, "staging", pr)
        clock.advance(HOUR)
    listed = list_all(harness.ctx, "staging")
    assert [p.pr for p in listed.previews] == [3, 5, 11]
    lines = listed.lines()
    rows = json.loads(listed.as_json())["previews"]
    assert lines[0].split() == ["PR", "BRANCH", "AGE", "EXPIRES", "COMPUTE"]
    first = listed.previews[0]
    assert first.created_at is not None
    assert lines[1].split() == [
        "3",
        "preview/pr-3",
        f"({first.branch_id})",
        human(timedelta(seconds=rows[0]["age_seconds"])),
        rfc3339(first.expires_at) if first.expires_at else "never",
        "active",
    ]
    assert [(r["pr"], r["compute_state"]) for r in rows] == [(3, "active"), (5, "active"), (11, "active")]
    assert rows[0]["age_seconds"] == int((listed.now - first.created_at).total_seconds())
    assert 3 * HOUR <= rows[0]["age_seconds"] < 3 * HOUR + 60  # each create's operations take seconds
    assert set(rows[0]) == {
        "pr",
        "branch_id",
        "branch_name",
        "created_at",
        "age_seconds",
        "expires_at",
        "compute_state",
    }

    dry = prune(harness.ctx, "staging", frozenset({5}), dry_run=True)
    assert [line.split()[:3] for line in dry.lines()] == [
        ["would", "delete", "preview/pr-3"],
        ["would", "delete", "preview/pr-11"],
        ["kept", "preview/pr-5", f"({listed.previews[1].branch_id})"],
    ]
    assert len([b for b in harness.branches() if b.name.startswith("preview/")]) == 3

    pruned = prune(harness.ctx, "staging", frozenset({5}))
    assert [line.split()[:2] for line in pruned.lines()] == [
        ["deleted", "preview/pr-3"],
        ["deleted", "preview/pr-11"],
        ["kept", "preview/pr-5"],
    ]
    assert [b.name for b in harness.branches() if b.name.startswith("preview/")] == ["preview/pr-5"]

    deleted = delete_one(harness.ctx, "staging", 5)
    assert deleted.lines() == [f"deleted preview/pr-5 ({listed.previews[1].branch_id})"]
    assert delete_one(harness.ctx, "staging", 5).lines() == ["preview/pr-5 does not exist (already deleted)"]
    assert list_all(harness.ctx, "staging").lines() == ["no previews on staging"]


def test_a_full_project_names_the_oldest_previews_and_backups_to_prune(harness: Harness, clock: FakeClock) -> None:
    backup = backup_branch(harness.ctx, "staging", BackupRequest(name="backup/old"))
    clock.advance(HOUR)
    for pr in range(1, 9):  # main, the backup and 8 previews: the launch plan's 10 branches
        create_preview(harness.ctx, "staging", pr)
        clock.advance(60)
    again = create_preview(harness.ctx, "staging", 3)  # a reset adds no branch: still fine
    assert again.reset
    with pytest.raises(NeonStackError) as full:
        create_preview(harness.ctx, "staging", 9)
    message = full.value.message
    assert message.startswith(
        "staging has 10 of the 10 branches the launch plan allows (the default branch included), so branch "
        "preview/pr-9 cannot be made; oldest prunable: backup/old ("
    )
    first, second = (branch(harness, f"preview/pr-{n}") for n in (1, 2))
    assert f"preview/pr-1 ({first.id}, created " in message
    assert f"preview/pr-2 ({second.id}, created " in message
    assert "(+6 more)" in message
    assert "preview prune --stack staging --open <open PR numbers>" in message
    assert backup.branch_id in message
    assert "preview/pr-9" not in [b.name for b in harness.branches()]
