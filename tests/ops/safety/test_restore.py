"""`restore` on the in-process emulator: plans, the protection dance, preserved state, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.neon import models
from infra.ops.neon.backups import BackupRequest
from infra.ops.neon.errors import NeonStackError
from infra.ops.safety.backup import backup_branch
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.restore import apply_restore, plan_restore
from infra.ops.times import at, rfc3339
from neon_emulator import FaultRule, NeonBackend
from tests.support.clock import FakeClock
from tests.support.followup import PULUMI, WORKSHELF
from tests.support.pulumi_project import REPO
from tests.support.safety import Harness


def main_branch(harness: Harness) -> models.Branch:
    return next(b for b in harness.branches() if b.id == harness.staging.branch_id)


def test_restore__from_a_backup_branch_keeps_the_old_state_and_the_protection(
    harness: Harness, backend: NeonBackend
) -> None:
    backup = backup_branch(harness.ctx, "staging", BackupRequest())
    plan = plan_restore(harness.ctx, "staging", from_branch=backup.branch_id, at_point=None)
    assert (plan.source_id, plan.target_id) == (backup.branch_id, harness.staging.branch_id)
    assert plan.target_protected
    assert plan.preserve_under_name.startswith("backup/pre-restore-")
    assert plan.lines()[1] == (
        f"  - replace the data of the default branch main ({harness.staging.branch_id}) with "
        f"branch {backup.name} ({backup.branch_id}), at its latest state"
    )
    backend.log.clear()
    result = apply_restore(harness.ctx, plan)
    main = main_branch(harness)
    assert main.protected
    assert main.last_reset_at is not None
    assert main.parent_id == backup.branch_id
    preserved = next(b for b in harness.branches() if b.name == plan.preserve_under_name)
    assert result.preserved_id == preserved.id
    assert result.lines()[1] == (
        f"to undo this restore: {WORKSHELF} restore --stack staging --from-branch {preserved.id} --yes"
    )
    counts = backend.request_counts()
    assert counts["PATCH /projects/{project_id}/branches/{branch_id}"] == 2  # unprotect, protect again
    assert counts["POST /projects/{project_id}/branches/{branch_id}/restore"] == 1


def test_restore__accepts_a_branch_name(harness: Harness) -> None:
    backup = backup_branch(harness.ctx, "staging", BackupRequest(name="backup/nightly"))
    plan = plan_restore(harness.ctx, "staging", from_branch="backup/nightly", at_point=None)
    assert plan.source_id == backup.branch_id


def test_restore__the_default_branch_to_a_point_in_its_own_history(harness: Harness, clock: FakeClock) -> None:
    point = at(int(clock.time())) - timedelta(minutes=30)
    plan = plan_restore(harness.ctx, "staging", from_branch=None, at_point=point)
    assert plan.source_id == plan.target_id
    assert "with its own history, as of " in plan.lines()[1]
    apply_restore(harness.ctx, plan)
    main = main_branch(harness)
    assert main.parent_timestamp == point
    assert main.protected
    assert plan.preserve_under_name in harness.branch_names()


def test_restore__refusals_before_anything_changes(harness: Harness, clock: FakeClock, backend: NeonBackend) -> None:
    backend.log.clear()
    with pytest.raises(SafetyError, match="say what to restore from"):
        plan_restore(harness.ctx, "staging", from_branch=None, at_point=None)
    with pytest.raises(SafetyError, match="restoring main from itself needs --at"):
        plan_restore(harness.ctx, "staging", from_branch=harness.staging.branch_id, at_point=None)
    backup = backup_branch(harness.ctx, "staging", BackupRequest(name="backup/one"))
    with pytest.raises(SafetyError) as unknown:
        plan_restore(harness.ctx, "staging", from_branch="br-nope", at_point=None)
    assert unknown.value.hint == f"backup branches: backup/one ({backup.branch_id}) (ids or names work)"
    with pytest.raises(NeonStackError) as outside:  # the backup branch has no history before it was made
        plan_restore(harness.ctx, "staging", from_branch="backup/one", at_point=at(clock.time()) - timedelta(hours=1))
    assert "the history window of branch backup/one" in outside.value.message
    with pytest.raises(NeonStackError, match="works on Neon stacks"):
        plan_restore(harness.ctx, "dev", from_branch="backup/one", at_point=None)
    assert not any(
        key.startswith(("PATCH", "POST /projects/{project_id}/branches/{branch_id}/restore"))
        for key in backend.request_counts()
    )


def test_restore__a_refused_restore_puts_the_protection_back(harness: Harness) -> None:
    backup = backup_branch(harness.ctx, "staging", BackupRequest())
    plan = plan_restore(harness.ctx, "staging", from_branch=backup.branch_id, at_point=None)
    with harness.neon() as neon:  # the preserved copy would be the Launch plan's 11th branch
        for n in range(8):
            neon.create_branch(harness.staging.project_id, models.BranchCreate(name=f"f-{n}"))
    with pytest.raises(NeonStackError) as caught:
        apply_restore(harness.ctx, plan)
    assert caught.value.message == (
        "Neon refused to restore main: the launch plan allows at most 10 branches per project"
    )
    assert main_branch(harness).protected
    assert main_branch(harness).last_reset_at is None


def test_restore__failing_to_protect_again_is_loud(harness: Harness, backend: NeonBackend) -> None:
    backup = backup_branch(harness.ctx, "staging", BackupRequest())
    plan = plan_restore(harness.ctx, "staging", from_branch=backup.branch_id, at_point=None)
    reporter = harness.reporter
    original = reporter.step

    def step(message: str) -> None:  # Neon starts failing right after the restore
        if message.startswith("protecting main again"):
            backend.faults.add(FaultRule(kind="status", status=503, count=None, method="PATCH"))
        original(message)

    reporter.step = step  # type: ignore[method-assign]
    with pytest.raises(SafetyError) as caught:
        apply_restore(harness.ctx, plan)
    assert caught.value.message.startswith(f"main ({harness.staging.branch_id}) is left UNPROTECTED: update_branch")
    assert caught.value.hint == f"run `{PULUMI} --cwd {REPO} up --stack staging` (it declares the protection) at once"
    backend.faults.clear()
    assert main_branch(harness).last_reset_at is not None  # the restore itself happened


def test_restore__failing_to_lift_the_protection_changes_nothing(harness: Harness, backend: NeonBackend) -> None:
    backup = backup_branch(harness.ctx, "staging", BackupRequest())
    plan = plan_restore(harness.ctx, "staging", from_branch=backup.branch_id, at_point=None)
    backend.faults.add(FaultRule(kind="status", status=503, count=None, method="PATCH"))
    with pytest.raises(NeonStackError, match="could not lift the protection of main"):
        apply_restore(harness.ctx, plan)
    backend.faults.clear()
    assert main_branch(harness).protected
    assert main_branch(harness).last_reset_at is None


def test_restore__the_pre_restore_branch_expires_after_30_days(harness: Harness, clock: FakeClock) -> None:
    now = at(int(clock.time()))
    plan = plan_restore(harness.ctx, "staging", from_branch=None, at_point=now - timedelta(minutes=30))
    assert plan.preserve_for == timedelta(days=30)
    assert plan.lines()[2] == (
        f"  - keep the current data as the new branch {plan.preserve_under_name} (nothing is deleted); "
        "it expires 30d after the restore"
    )
    result = apply_restore(harness.ctx, plan)
    preserved = next(b for b in harness.branches() if b.name == plan.preserve_under_name)
    expires = at(int(clock.time())) + timedelta(days=30)
    assert preserved.expires_at == result.preserved_expires_at == expires
    assert result.lines()[0].endswith(f"{plan.preserve_under_name} ({preserved.id}) until {rfc3339(expires)}")


def test_restore__a_shorter_pre_restore_expiry_and_a_longer_one_refused(harness: Harness, clock: FakeClock) -> None:
    point = at(int(clock.time())) - timedelta(minutes=30)
    with pytest.raises(NeonStackError) as caught:
        plan_restore(harness.ctx, "staging", from_branch=None, at_point=point, preserve_for=timedelta(days=31))
    assert caught.value.message == ("--keep-pre-restore 31d is longer than Neon allows for a branch expiry (30d)")
    assert harness.branch_names() == ["main"]
    plan = plan_restore(harness.ctx, "staging", from_branch=None, at_point=point, preserve_for=timedelta(days=7))
    apply_restore(harness.ctx, plan)
    preserved = next(b for b in harness.branches() if b.name == plan.preserve_under_name)
    assert preserved.expires_at == at(int(clock.time())) + timedelta(days=7)


def test_restore__a_pre_restore_branch_with_children_keeps_no_expiry(harness: Harness, clock: FakeClock) -> None:
    backup = backup_branch(harness.ctx, "staging", BackupRequest(name="backup/child"))
    plan = plan_restore(harness.ctx, "staging", from_branch=None, at_point=at(int(clock.time())) - timedelta(minutes=5))
    result = apply_restore(harness.ctx, plan)
    preserved = next(b for b in harness.branches() if b.name == plan.preserve_under_name)
    assert next(b for b in harness.branches() if b.id == backup.branch_id).parent_id == preserved.id
    assert preserved.expires_at is None
    assert result.preserved_expires_at is None
    assert result.lines()[0].endswith("with no expiry")
    assert harness.reporter.notes[-1] == (
        f"note: {preserved.name} keeps no expiry: it is the parent of backup/child (Neon does not expire parent "
        f"branches); prune it later with `{WORKSHELF} backups prune --stack staging`"
    )


def test_restore__afterwards_the_window_starts_at_the_restore_and_names_the_pre_restore_branch(
    harness: Harness, clock: FakeClock
) -> None:
    plan = plan_restore(harness.ctx, "staging", from_branch=None, at_point=at(int(clock.time())) - timedelta(hours=1))
    apply_restore(harness.ctx, plan)
    restored = main_branch(harness).last_reset_at
    assert restored is not None
    clock.advance(24)
    preserved = next(b for b in harness.branches() if b.name == plan.preserve_under_name)
    earlier = restored - timedelta(minutes=30)
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest(point=earlier))
    now = at(int(clock.time()))
    assert caught.value.message == (
        f"the backup point {rfc3339(earlier)} is before the window starts: the history window of branch main "
        f"({harness.staging.branch_id}) is {rfc3339(restored)} .. {rfc3339(now)} (UTC): "
        f"history_retention_seconds=604800 (7 days); it starts at the restore of {rfc3339(restored)}: "
        f"the state from before it is on branch {preserved.name} ({preserved.id})"
    )
    assert caught.value.hint == (
        f"pick a point between {rfc3339(restored)} .. {rfc3339(now)} (UTC); for a point before the restore, "
        f"use the pre-restore branch {preserved.name} ({preserved.id})"
    )
