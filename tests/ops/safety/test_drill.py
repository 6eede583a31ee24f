"""`restore-drill` logic on the in-process emulator: the point, the report, refusals, cleanup."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from infra.ops.neon.errors import NeonStackError
from infra.ops.safety.drill import DrillOptions, restore_drill
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import QueryValue
from infra.ops.times import at, rfc3339
from tests.support.clock import FakeClock
from tests.support.safety import Harness

CHECKS = """\
-- name: books
SELECT count(*) FROM books;
-- expect: 3
SELECT title FROM books WHERE id = 1;
-- expect: Dune
"""


@pytest.fixture
def check_file(tmp_path: Path) -> Path:
    path = tmp_path / "checks.sql"
    path.write_text(CHECKS)
    return path


def test_drill__branches_one_hour_back_checks_reports_and_deletes(
    harness: Harness, clock: FakeClock, check_file: Path
) -> None:
    now = at(int(clock.time()))
    harness.database.values = [QueryValue(value="3", rows=1), QueryValue(value="Dune", rows=1)]
    outcome = restore_drill(harness.ctx, "staging", DrillOptions(check_file=check_file))
    report = outcome.report
    assert report.ok
    assert report.requested_point == now - timedelta(hours=1)
    assert report.branch_point == report.requested_point  # what Neon says the branch was made from
    assert report.drill_branch_name.startswith("restore-drill/")
    assert report.branch_deleted
    assert harness.branch_names() == ["main"]
    assert [s.name for s in report.steps] == [
        "check the history window",
        "create the branch and its compute",
        "connect, list tables, count rows",
        "compare row counts with the source",
        "run the checks",
        "delete the drill branch",
    ]
    assert all(s.seconds >= 0 for s in report.steps)
    assert report.steps[1].seconds > 0  # the emulator's operations take (fake) time
    assert [(c.name, c.actual, c.ok) for c in report.checks] == [
        ("rows in public.books", "3", True),  # built in: the copy has as many rows as the source (±10%)
        ("books", "3", True),
        ("check 2", "Dune", True),
    ]
    assert [(t.table, t.rows) for t in report.tables] == [("public.books", 3)]
    assert report.time_to_usable_copy_seconds == pytest.approx(report.steps[1].seconds + report.steps[2].seconds)
    assert outcome.markdown.parent == harness.ctx.report_dir
    assert outcome.markdown.name == f"restore-drill-staging-{now.strftime('%Y%m%dT%H%M%SZ')}.md"
    data = json.loads(outcome.json_path.read_text())
    assert data["requested_point"] == rfc3339(now - timedelta(hours=1))
    assert data["checks"][2]["expected"] == "Dune"
    assert data["checks"][0]["expected"] == "2..4 (the source has 3; ±10%)"  # rounded outwards
    markdown = outcome.markdown.read_text()
    assert markdown.startswith(f"# Restore drill: staging, {rfc3339(now)}: PASSED")
    assert "| run the checks |" in markdown
    assert "| public.books | 3 |" in markdown


def test_drill__the_drill_branch_uses_its_own_credentials(harness: Harness) -> None:
    restore_drill(harness.ctx, "staging")
    source = harness.staging.outputs.database_url.get_secret_value()
    copy, *rest = harness.database.urls
    assert copy != source
    assert rest == [source, source]  # the source is only counted (read-only) and given the drill's log row


def test_drill__a_failing_check_fails_the_drill_and_still_deletes(harness: Harness, check_file: Path) -> None:
    harness.database.values = [QueryValue(value="2", rows=1), QueryValue(error='relation "books" does not exist')]
    outcome = restore_drill(harness.ctx, "staging", DrillOptions(check_file=check_file))
    assert not outcome.report.ok
    assert outcome.report.branch_deleted
    assert harness.branch_names() == ["main"]
    assert "  check failed: books: expected 3, got 2" in outcome.lines()
    assert outcome.markdown.read_text().startswith("# Restore drill: staging, ")
    assert ": FAILED" in outcome.markdown.read_text().splitlines()[0]


def test_drill__a_database_failure_is_reported_and_the_branch_deleted(harness: Harness) -> None:
    harness.database.fail_with = SafetyError("cannot connect to workshelf.br-x: timeout expired")
    outcome = restore_drill(harness.ctx, "staging")
    assert outcome.report.problems == ["cannot connect to workshelf.br-x: timeout expired"]
    assert [s.ok for s in outcome.report.steps][-2:] == [False, True]
    assert harness.branch_names() == ["main"]


def test_drill__ctrl_c_deletes_the_branch(harness: Harness) -> None:
    harness.database.fail_with = KeyboardInterrupt()  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt):
        restore_drill(harness.ctx, "staging")
    assert harness.branch_names() == ["main"]


def test_drill__explicit_points_inside_the_window(harness: Harness, clock: FakeClock) -> None:
    now = at(int(clock.time()))
    by_ago = restore_drill(harness.ctx, "staging", DrillOptions(ago=timedelta(minutes=90))).report
    assert by_ago.branch_point == now - timedelta(minutes=90)
    point = now - timedelta(minutes=20)
    assert restore_drill(harness.ctx, "staging", DrillOptions(at_point=point)).report.branch_point == point


def test_drill__refuses_points_outside_the_window_with_its_bounds(harness: Harness, clock: FakeClock) -> None:
    with pytest.raises(NeonStackError) as caught:
        restore_drill(harness.ctx, "staging", DrillOptions(ago=timedelta(days=3)))
    assert "is before the window starts: the history window of branch main" in caught.value.message
    assert "(UTC): history_retention_seconds=604800 (7 days)" in caught.value.message
    assert caught.value.hint.startswith("pick a point between 2026-01-01T00:00:")
    with pytest.raises(NeonStackError, match="is after now"):
        restore_drill(harness.ctx, "staging", DrillOptions(at_point=at(clock.time()) + timedelta(hours=1)))
    assert harness.branch_names() == ["main"]
    assert not harness.ctx.report_dir.exists()


def test_drill__default_point_is_clamped_into_a_young_branchs_window(harness: Harness, clock: FakeClock) -> None:
    from infra.neon import models

    with harness.neon() as neon:  # a 30-minute window cannot reach the default point, 1 h back
        neon.update_project(harness.staging.project_id, models.ProjectUpdate(history_retention_seconds=1800))
    outcome = restore_drill(harness.ctx, "staging")
    report = outcome.report
    assert report.window_latest is not None
    assert report.window_earliest is not None
    assert report.window_latest - report.window_earliest == timedelta(minutes=30)
    assert report.requested_point == report.window_earliest + timedelta(minutes=1)
    assert any("older than the window allows" in n for n in outcome.report.notes)


def test_drill__refuses_when_history_is_disabled(harness: Harness) -> None:
    from infra.neon import models

    with harness.neon() as neon:
        neon.update_project(harness.staging.project_id, models.ProjectUpdate(history_retention_seconds=0))
    with pytest.raises(NeonStackError, match="keeps no history"):
        restore_drill(harness.ctx, "staging")


def test_drill__a_bad_check_file_fails_before_any_branch(harness: Harness, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT 1;\n")
    with pytest.raises(SafetyError, match="has no `-- expect:` line"):
        restore_drill(harness.ctx, "staging", DrillOptions(check_file=bad))
    assert harness.outputs_read == []


def test_drill__at_and_ago_together_are_refused(harness: Harness, clock: FakeClock) -> None:
    with pytest.raises(SafetyError, match="--at or --ago, not both"):
        restore_drill(harness.ctx, "staging", DrillOptions(at_point=at(clock.time()), ago=timedelta(minutes=5)))
