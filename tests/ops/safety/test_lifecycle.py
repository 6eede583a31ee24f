"""`backups list`, `backups prune` and `backups snapshot` on the in-process emulator (fake clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.config import plans
from infra.neon import models
from infra.ops.neon.backups import BackupRequest
from infra.ops.neon.errors import NeonStackError
from infra.ops.safety.backup import backup_branch
from infra.ops.safety.lifecycle import list_backups, prune_backups
from infra.ops.safety.snapshot import take_snapshot
from infra.ops.times import at, rfc3339
from neon_emulator import FaultRule, NeonBackend
from tests.support.clock import FakeClock
from tests.support.followup import WORKSHELF
from tests.support.safety import Harness

HOUR = 3600


def backups(harness: Harness, clock: FakeClock, *names: str, protect: tuple[str, ...] = ()) -> dict[str, str]:
    """Backup branches an hour apart, oldest first; name -> id."""
    made = {}
    for name in names:
        clock.advance(HOUR)
        result = backup_branch(harness.ctx, "staging", BackupRequest(name=name, protect=name in protect))
        made[name] = result.branch_id
    return made


def test_list__backup_branches_and_snapshots_newest_first(harness: Harness, clock: FakeClock) -> None:
    made = backups(harness, clock, "backup/a", "backup/b")
    clock.advance(HOUR)
    snap = take_snapshot(harness.ctx, "staging", name="before-import")
    with harness.neon() as neon:  # a scheduled one, taken by Neon on its clock
        neon.set_backup_schedule(
            harness.staging.project_id, harness.staging.branch_id, [models.BackupScheduleItem(frequency="hourly")]
        )
    clock.advance(HOUR)
    entries = list_backups(harness.ctx, "staging")
    assert [(e.kind, e.name) for e in entries] == [
        ("scheduled snapshot", entries[0].name),
        ("manual snapshot", "before-import"),
        ("backup branch", "backup/b"),
        ("backup branch", "backup/a"),
    ]
    b = entries[2]
    assert (b.id, b.protected, b.expires) == (made["backup/b"], False, b.created + timedelta(days=7))
    assert b.source == f"branch main at {rfc3339(b.created)}"
    assert entries[1].id == snap.id
    assert entries[1].expires == at(int(clock.time()) - HOUR) + timedelta(days=30)
    assert entries[0].source.startswith("branch main at ")
    assert entries[2].line().startswith(f"backup branch      backup/b  ({made['backup/b']})  created ")


def test_prune__keeps_protected_and_the_newest_deletes_the_rest(
    harness: Harness, clock: FakeClock, backend: NeonBackend
) -> None:
    made = backups(
        harness, clock, "backup/keep", "backup/1", "backup/2", "backup/3", "backup/4", protect=("backup/keep",)
    )
    dry = prune_backups(harness.ctx, "staging", keep=2, dry_run=True)
    assert [(d.entry.name, d.delete, d.reason) for d in dry.decisions] == [
        ("backup/4", False, "one of the newest 2"),
        ("backup/3", False, "one of the newest 2"),
        ("backup/2", True, "older than the newest 2"),
        ("backup/1", True, "older than the newest 2"),
        ("backup/keep", False, "protected"),
    ]
    assert dry.lines()[-1] == "staging: would delete 2 of 5 backups (the newest 2 of each kind kept)"
    assert len(harness.branches()) == 6  # a dry run deletes nothing
    done = prune_backups(harness.ctx, "staging", keep=2)
    assert done.failed == []
    assert harness.branch_names() == ["backup/3", "backup/4", "backup/keep", "main"]
    assert done.lines()[2] == f"deleted          backup branch backup/2 ({made['backup/2']}): older than the newest 2"


def test_prune__expired_snapshots_go_scheduled_ones_stay(harness: Harness, clock: FakeClock) -> None:
    for n in range(3):
        clock.advance(HOUR)
        take_snapshot(harness.ctx, "staging", name=f"manual-{n}", expires_in=timedelta(hours=10))
    with harness.neon() as neon:
        neon.set_backup_schedule(
            harness.staging.project_id, harness.staging.branch_id, [models.BackupScheduleItem(frequency="hourly")]
        )
    clock.advance(2 * HOUR)
    decisions = {d.entry.name: (d.delete, d.reason) for d in prune_backups(harness.ctx, "staging", keep=1).decisions}
    assert decisions["manual-2"] == (False, "one of the newest 1")
    assert decisions["manual-1"] == (True, "older than the newest 1")
    assert decisions["manual-0"] == (True, "older than the newest 1")
    scheduled = [v for k, v in decisions.items() if not k.startswith("manual-")]
    assert scheduled == [(False, "scheduled: the schedule's retention decides")] * 2
    with harness.neon() as neon:
        names = sorted(s.name for s in neon.list_snapshots(harness.staging.project_id) if s.manual)
    assert names == ["manual-2"]


def test_prune__a_parent_branch_is_kept_and_a_failed_delete_reported(
    harness: Harness, clock: FakeClock, backend: NeonBackend
) -> None:
    made = backups(harness, clock, "backup/parent", "backup/x", "backup/y")
    with harness.neon() as neon:
        neon.create_branch(
            harness.staging.project_id, models.BranchCreate(name="child", parent_id=made["backup/parent"])
        )
    backend.faults.add(FaultRule(kind="status", status=500, count=None, method="DELETE"))
    result = prune_backups(harness.ctx, "staging", keep=0)
    backend.faults.clear()
    by_name = {d.entry.name: d for d in result.decisions}
    assert (by_name["backup/parent"].delete, by_name["backup/parent"].reason) == (
        False,
        "1 branch(es) were made from it: Neon deletes those first",
    )
    assert by_name["backup/x"].error is not None
    assert [d.entry.name for d in result.failed] == ["backup/y", "backup/x"]
    assert result.lines()[0].startswith("FAILED to delete backup branch backup/y")


def test_snapshot__refused_at_the_manual_limit_naming_the_oldest(
    harness: Harness, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(plans.MANUAL_SNAPSHOT_LIMIT, "launch", 2)  # 100 on Neon; two make the point
    first = take_snapshot(harness.ctx, "staging", name="s1")
    take_snapshot(harness.ctx, "staging", name="s2")
    with pytest.raises(NeonStackError) as caught:
        take_snapshot(harness.ctx, "staging", name="s3")
    assert caught.value.message.startswith(
        f"staging has 2 of the 2 manual snapshots the launch plan allows; oldest: s1 ({first.id}), s2 ("
    )
    assert caught.value.hint == f"prune with `{WORKSHELF} backups prune --stack staging`"


def test_snapshot__prints_how_to_drill_it(harness: Harness, clock: FakeClock) -> None:
    result = take_snapshot(harness.ctx, "staging", expires_in=None)
    assert result.expires_at is None
    assert result.name == f"manual-{at(int(clock.time())).strftime('%Y%m%dT%H%M%SZ')}"
    assert (
        result.lines()[1]
        == f"to prove it restores: {WORKSHELF} restore-drill --stack staging --from-snapshot {result.id}"
    )
