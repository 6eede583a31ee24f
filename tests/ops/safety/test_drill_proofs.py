"""What a drill must prove: nothing checked is a failure (unless allowed), row counts are compared with
the source within a tolerance, snapshots can be drilled, and every drill lands in the drill log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.ops.safety.drill import NOTHING_PROVED, DrillOptions, restore_drill
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import TableCount
from infra.ops.times import at
from neon_emulator import NeonBackend
from tests.support.clock import FakeClock
from tests.support.safety import Harness


def source_has(harness: Harness, *tables: tuple[str, int]) -> None:
    url = harness.staging.outputs.database_url.get_secret_value()
    harness.database.tables_for[url] = [TableCount(table=t, rows=n) for t, n in tables]


def test_drill__an_empty_database_and_no_check_file_proves_nothing(harness: Harness) -> None:
    harness.database.tables = []
    outcome = restore_drill(harness.ctx, "staging")
    assert not outcome.report.ok
    assert outcome.report.problems == [NOTHING_PROVED]
    assert outcome.lines()[1] == "  tables: 0, rows: 0, checks: 0/0 passed"
    assert f"  problem: {NOTHING_PROVED}" in outcome.lines()
    assert harness.branch_names() == ["main"]
    [logged] = harness.database.drills
    assert (logged.outcome, logged.checks_total) == ("failed", 0)


def test_drill__allow_no_checks_accepts_it_and_says_so(harness: Harness) -> None:
    harness.database.tables = []
    outcome = restore_drill(harness.ctx, "staging", DrillOptions(allow_no_checks=True))
    assert outcome.report.ok
    assert outcome.report.notes == ["no check ran: accepted with --allow-no-checks"]
    assert not outcome.report.checks_required


def test_drill__row_counts_within_the_tolerance_pass(harness: Harness) -> None:
    source_has(harness, ("public.books", 100), ("public.loans", 0), ("workshelf_infra.drill_log", 7))
    harness.database.tables = [TableCount(table="public.books", rows=91)]
    outcome = restore_drill(harness.ctx, "staging")
    assert [(c.name, c.expected, c.actual, c.ok) for c in outcome.report.checks] == [
        ("rows in public.books", "90..110 (the source has 100; ±10%)", "91", True)
    ]  # an empty table and our own bookkeeping are not compared


@pytest.mark.parametrize(
    ("copy", "actual"),
    [([TableCount(table="public.books", rows=80)], "80"), ([], "table missing")],
)
def test_drill__too_few_rows_or_a_missing_table_fails(harness: Harness, copy: list[TableCount], actual: str) -> None:
    source_has(harness, ("public.books", 100))
    harness.database.tables = copy
    outcome = restore_drill(harness.ctx, "staging", DrillOptions(tolerance_percent=5))
    [check] = outcome.report.checks
    assert (check.expected, check.actual, check.ok) == ("95..105 (the source has 100; ±5%)", actual, False)
    assert not outcome.report.ok
    assert f"  check failed: rows in public.books: expected 95..105 (the source has 100; ±5%), got {actual}" in (
        outcome.lines()
    )


def test_drill__every_drill_is_logged_in_the_source_database(harness: Harness, clock: FakeClock) -> None:
    started = at(int(clock.time()))
    outcome = restore_drill(harness.ctx, "staging")
    [entry] = harness.database.drills
    assert harness.database.urls[-1] == harness.staging.outputs.database_url.get_secret_value()
    assert (entry.stack, entry.origin, entry.outcome, entry.started_at) == ("staging", "history", "passed", started)
    assert (entry.checks_passed, entry.checks_total, entry.tables, entry.rows) == (1, 1, 1, 3)
    assert entry.duration_ms == int(outcome.report.total_seconds * 1000)
    assert entry.duration_ms > 0
    assert entry.point == outcome.report.requested_point
    assert entry.report == outcome.markdown.name
    assert outcome.logged


def test_drill__a_log_failure_is_a_warning_not_a_lost_report(harness: Harness) -> None:
    harness.database.record_fails_with = SafetyError("cannot record the drill in workshelf: read-only")
    outcome = restore_drill(harness.ctx, "staging")
    assert outcome.report.ok
    assert outcome.markdown.exists()
    assert not outcome.logged
    assert outcome.lines()[-1] == "warning: the drill is not in the drill log (see the note above)"
    assert harness.reporter.notes[-1] == (
        "warning: cannot record the drill in workshelf: read-only; `health` will not count this drill"
    )


# -- snapshots ---------------------------------------------------------------------------------------


def snapshot(harness: Harness, name: str) -> str:
    with harness.neon() as neon:
        return neon.create_snapshot(harness.staging.project_id, harness.staging.branch_id, name=name).id


def test_drill__from_the_latest_snapshot_or_one_by_id(harness: Harness, clock: FakeClock, backend: NeonBackend) -> None:
    first = snapshot(harness, "nightly-1")
    clock.advance(3600)
    second = snapshot(harness, "nightly-2")
    latest = restore_drill(harness.ctx, "staging", DrillOptions(from_snapshot="latest")).report
    assert (latest.origin, latest.snapshot_id, latest.snapshot_name) == ("snapshot", second, "nightly-2")
    assert latest.ok
    assert latest.branch_deleted
    assert latest.window_earliest is None
    assert [s.name for s in latest.steps][:2] == ["find the snapshot", "create the branch and its compute"]
    by_id = restore_drill(harness.ctx, "staging", DrillOptions(from_snapshot=first)).report
    assert by_id.snapshot_name == "nightly-1"
    assert harness.branch_names() == ["main"]  # the restored copies are gone; main untouched
    assert "POST /projects/{project_id}/branches/{branch_id}/finalize_restore" not in backend.request_counts()
    assert [d.origin for d in harness.database.drills] == ["snapshot", "snapshot"]


def test_drill__an_unknown_snapshot_names_the_newest(harness: Harness) -> None:
    known = snapshot(harness, "nightly-1")
    with pytest.raises(SafetyError) as caught:
        restore_drill(harness.ctx, "staging", DrillOptions(from_snapshot="nope"))
    assert caught.value.message == f"no snapshot 'nope' of staging's default branch; newest: nightly-1 ({known})"
    assert "backups snapshot --stack staging" in caught.value.hint
    assert harness.branch_names() == ["main"]


def test_drill__a_snapshot_with_a_point_is_refused_first(harness: Harness, clock: FakeClock) -> None:
    with pytest.raises(SafetyError, match="a snapshot has its own point in time"):
        restore_drill(harness.ctx, "staging", DrillOptions(from_snapshot="latest", ago=timedelta(hours=1)))
    assert harness.outputs_read == []
