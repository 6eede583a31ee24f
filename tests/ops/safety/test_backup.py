"""`backup-branch` against the in-process emulator: what it creates, and each refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.config import NeonStack, StackSettings
from infra.neon import NeonClient, models
from infra.ops.neon.backups import BackupRequest
from infra.ops.neon.errors import NeonStackError
from infra.ops.safety.backup import backup_branch
from infra.ops.times import at, rfc3339
from tests.support.clock import FakeClock
from tests.support.followup import WORKSHELF
from tests.support.safety import Harness


def test_backup_branch__branches_the_default_branch_now_with_an_expiry(harness: Harness, clock: FakeClock) -> None:
    now = at(int(clock.time()))
    result = backup_branch(harness.ctx, "staging", BackupRequest())
    branch = next(b for b in harness.branches() if b.id == result.branch_id)
    assert branch.name == result.name == f"backup/pre-migrate-{now.strftime('%Y%m%dT%H%M%SZ')}"
    assert branch.parent_id == harness.staging.branch_id
    assert branch.expires_at == now + timedelta(days=7)
    assert not branch.protected
    assert result.point == branch.parent_timestamp
    assert result.lines() == [
        f"backup branch: {branch.name} ({branch.id}) of {harness.staging.branch_id} at {rfc3339(now)}; "
        f"expires {rfc3339(now + timedelta(days=7))}",
        f"to restore the staging default branch from it: "
        f"{WORKSHELF} restore --stack staging --from-branch {branch.id} --yes",
    ]


def test_backup_branch__name_expiry_and_a_past_point(harness: Harness, clock: FakeClock) -> None:
    now = at(int(clock.time()))
    point = now - timedelta(minutes=30)
    request = BackupRequest(name="backup/before-import", expires_in=timedelta(hours=12), point=point)
    result = backup_branch(harness.ctx, "staging", request)
    branch = next(b for b in harness.branches() if b.id == result.branch_id)
    assert (branch.name, branch.parent_timestamp) == ("backup/before-import", point)
    assert branch.expires_at == now + timedelta(hours=12)


def test_backup_branch__default_name_carries_the_point_in_time(harness: Harness, clock: FakeClock) -> None:
    point = at(int(clock.time())) - timedelta(minutes=45)
    result = backup_branch(harness.ctx, "staging", BackupRequest(point=point))
    assert result.name == f"backup/pre-migrate-{point.strftime('%Y%m%dT%H%M%SZ')}"


def test_backup_branch__protected_backup_never_expires(harness: Harness) -> None:
    result = backup_branch(harness.ctx, "staging", BackupRequest(protect=True))
    branch = next(b for b in harness.branches() if b.id == result.branch_id)
    assert branch.protected
    assert branch.expires_at is None
    assert "protected, never expires" in result.lines()[0]


def test_backup_branch__refuses_the_protected_branch_limit(harness: Harness) -> None:
    backup_branch(harness.ctx, "staging", BackupRequest(name="backup/keep-1", protect=True))
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest(name="backup/keep-2", protect=True))
    assert caught.value.message.startswith(
        "the launch plan allows 2 protected branches per project and staging already has 2: "
    )
    assert "backup/keep-1 (" in caught.value.message
    assert f"main ({harness.staging.branch_id})" in caught.value.message
    assert "without --protect" in caught.value.hint
    assert "backup/keep-2" not in harness.branch_names()


def test_backup_branch__refuses_the_branch_limit_with_neons_words(harness: Harness) -> None:
    # The stack file says scale (25 branches) but Neon's project is on launch (10): our count lets the
    # request through, and Neon's own refusal is explained.
    read = harness.ctx.settings

    def on_scale(stack: str) -> StackSettings:
        settings = read(stack)
        assert isinstance(settings, NeonStack)
        return settings.model_copy(update={"neon": settings.neon.model_copy(update={"plan": "scale"})})

    harness.ctx.settings = on_scale
    with harness.neon() as neon:
        for n in range(9):  # main + 9 = the Launch plan's 10
            neon.create_branch(harness.staging.project_id, models.BranchCreate(name=f"feature-{n}"))
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest())
    assert caught.value.message.startswith("Neon refused to create backup branch backup/pre-migrate-")
    assert caught.value.message.endswith("the launch plan allows at most 10 branches per project")
    assert "delete branches you no longer need" in caught.value.hint
    assert len(harness.branches()) == 10


def test_backup_branch__refuses_a_point_outside_the_window_with_its_bounds(harness: Harness, clock: FakeClock) -> None:
    now = at(int(clock.time()))
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest(point=now - timedelta(hours=3)))
    main = next(b for b in harness.branches() if b.name == "main")
    assert main.created_at is not None
    born = main.created_at  # the window starts where the branch began, not 7 days ago
    assert (
        f"is before the window starts: the history window of branch main ({harness.staging.branch_id}) is "
        f"{rfc3339(born)} .. {rfc3339(now)} (UTC)" in caught.value.message
    )
    assert harness.branch_names() == ["main"]


def test_backup_branch__refuses_when_history_is_disabled(harness: Harness, clock: FakeClock) -> None:
    with harness.neon() as neon:
        neon.update_project(harness.staging.project_id, models.ProjectUpdate(history_retention_seconds=0))
    with pytest.raises(NeonStackError, match=r"keeps no history \(history_retention_seconds=0\)"):
        backup_branch(harness.ctx, "staging", BackupRequest(point=at(int(clock.time())) - timedelta(minutes=5)))


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (BackupRequest(expires_in=timedelta(days=31)), "--expires-in 31d is longer than Neon allows"),
        (BackupRequest(protect=True, expires_in=timedelta(days=1)), "a protected branch cannot expire"),
    ],
)
def test_backup_branch__refuses_expiries_neon_cannot_keep(
    harness: Harness, request_: BackupRequest, message: str
) -> None:
    with pytest.raises(NeonStackError, match=message):
        backup_branch(harness.ctx, "staging", request_)
    assert harness.branch_names() == ["main"]


def test_backup_branch__refuses_a_duplicate_name(harness: Harness) -> None:
    backup_branch(harness.ctx, "staging", BackupRequest(name="backup/x"))
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest(name="backup/x"))
    assert "already exists" in caught.value.message
    assert caught.value.hint == "choose another --name"


def test_backup_branch__refuses_the_dev_stack_before_reading_anything(harness: Harness) -> None:
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "dev", BackupRequest())
    assert caught.value.message.startswith("`backup-branch` works on Neon stacks (staging, production); dev is")
    assert harness.outputs_read == []


def test_backup_branch__refuses_without_an_api_key(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEON_API_KEY", raising=False)
    harness.ctx.neon = NeonClient.from_env
    with pytest.raises(NeonStackError, match="NEON_API_KEY is not set"):
        backup_branch(harness.ctx, "staging", BackupRequest())
    assert harness.outputs_read == []
