"""Snapshots and backup schedules against the in-process emulator (fake clock): the schedule round
trip, manual snapshots, update/delete, restoring to a new branch, and a lost response never duplicating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.neon import NeonClient, errors, models
from neon_emulator import NeonBackend
from tests.neon.conftest import add_fault, post_count
from tests.support.clock import FakeClock

DAY = 86_400


def when(clock: FakeClock, offset: float = 0) -> datetime:
    return datetime.fromtimestamp(int(clock.time() + offset), UTC)


def test_backup_schedule__set_read_back_and_turned_off(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    assert neon.get_backup_schedule(pid, bid) == []
    schedule = [
        models.BackupScheduleItem(frequency="daily", hour=3, retention_seconds=30 * DAY),
        models.BackupScheduleItem(frequency="monthly", day=1, hour=4, retention_seconds=365 * DAY),
    ]
    neon.set_backup_schedule(pid, bid, schedule)
    assert neon.get_backup_schedule(pid, bid) == schedule
    neon.set_backup_schedule(pid, bid, [])
    assert neon.get_backup_schedule(pid, bid) == []


def test_backup_schedule__taken_on_the_emulators_clock_and_expired(
    neon: NeonClient, project: models.CreatedProject, clock: FakeClock
) -> None:
    pid, bid = project.project.id, project.branch.id
    neon.set_backup_schedule(pid, bid, [models.BackupScheduleItem(frequency="hourly", retention_seconds=2 * 3600)])
    clock.advance(3 * 3600)
    scheduled = neon.list_snapshots(pid)
    assert len(scheduled) == 2  # the third-oldest would already have expired
    assert all(not s.manual and s.source_branch_id == bid for s in scheduled)
    assert all(s.expires_at == s.created_at + timedelta(hours=2) for s in scheduled)


def test_backup_schedule__refused_on_a_child_branch(neon: NeonClient, project: models.CreatedProject) -> None:
    child = neon.create_branch(project.project.id, models.BranchCreate(name="child")).branch
    with pytest.raises(errors.NeonError) as caught:
        neon.set_backup_schedule(project.project.id, child.id, [models.BackupScheduleItem(frequency="daily")])
    assert caught.value.status_code in (400, 422)


def test_snapshot__create_rename_expire_and_delete(
    neon: NeonClient, project: models.CreatedProject, clock: FakeClock
) -> None:
    pid, bid = project.project.id, project.branch.id
    clock.advance(600)
    point = when(clock, -300)
    snapshot = neon.create_snapshot(pid, bid, name="before-import", timestamp=point, expires_at=when(clock, DAY))
    assert (snapshot.name, snapshot.timestamp, snapshot.manual) == ("before-import", point, True)
    assert snapshot.expires_at == when(clock, DAY)
    renamed = neon.update_snapshot(pid, snapshot.id, models.SnapshotUpdate(name="kept", expires_at=None))
    assert (renamed.name, renamed.expires_at) == ("kept", None)
    assert [s.id for s in neon.list_snapshots(pid)] == [snapshot.id]
    assert neon.delete_snapshot(pid, snapshot.id) is True
    assert neon.delete_snapshot(pid, snapshot.id) is False
    assert neon.list_snapshots(pid) == []


def test_snapshot__restored_as_a_new_branch_beside_the_target(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    snapshot = neon.create_snapshot(pid, bid, name="s1")
    restored = neon.restore_snapshot(pid, snapshot.id, models.SnapshotRestore(name="drill/s1", target_branch_id=bid))
    assert restored.branch.name == "drill/s1"
    assert restored.branch.id != bid
    assert [e.type for e in restored.endpoints] == ["read_write"]  # not finalized: its own compute
    assert all(op.status == "finished" for op in restored.operations)
    assert neon.get_branch(pid, bid).default  # the target is untouched
    assert neon.list_databases(pid, restored.branch.id)[0].name == "appdb"


def test_snapshot__a_lost_create_response_is_adopted_not_repeated(
    neon: NeonClient, project: models.CreatedProject, backend: NeonBackend
) -> None:
    pid, bid = project.project.id, project.branch.id
    add_fault(backend, "drop_after", method="POST", path=f"/projects/{pid}/branches/{bid}/snapshot")
    snapshot = neon.create_snapshot(pid, bid, name="once")
    assert [s.id for s in neon.list_snapshots(pid)] == [snapshot.id]
    assert post_count(backend, "/projects/{project_id}/branches/{branch_id}/snapshot") == 1


def test_snapshot__a_lost_restore_response_is_adopted_not_repeated(
    neon: NeonClient, project: models.CreatedProject, backend: NeonBackend
) -> None:
    pid, bid = project.project.id, project.branch.id
    snapshot = neon.create_snapshot(pid, bid, name="s")
    add_fault(backend, "drop_after", method="POST", path=f"/projects/{pid}/snapshots/{snapshot.id}/restore")
    restored = neon.restore_snapshot(pid, snapshot.id, models.SnapshotRestore(name="drill/once"))
    assert [b.name for b in neon.list_branches(pid)].count("drill/once") == 1
    assert restored.branch.name == "drill/once"
    assert post_count(backend, "/projects/{project_id}/snapshots/{snapshot_id}/restore") == 1
