"""Rule 1 (expand/contract) over two revisions of the catalogue: c22 deprecates books.legacy_code,
c23 drops it; c30 deprecates the reviews table, c31 drops it. The production log decides."""

from __future__ import annotations

from datetime import timedelta

from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.contract import LogRow, applied_since
from infra.ops.migrations.findings import Finding
from infra.ops.migrations.lint import LintRequest, lint
from tests.support.migrations import NOW, applied, policy


def _drop(command: AlembicCommand, log: list[LogRow] | None, *, revision: str = "c23", days: int = 14) -> Finding:
    report = lint(LintRequest(command=command, applied=("c22",), policy=policy(log, days=days)))
    [finding] = [f for f in report.of(revision) if f.rule.startswith("ban-drop")]
    return finding


def test_drop_is_refused_while_the_deprecation_is_not_applied(catalogue: AlembicCommand) -> None:
    finding = _drop(catalogue, [])
    assert (finding.severity, finding.rule, finding.target) == ("blocking", "ban-drop-column", "books.legacy_code")
    assert finding.note == (
        "books.legacy_code was deprecated in c22, which production's migration log does not show as applied "
        "(`migrate` records it): the drop becomes allowed 14 days after it is"
    )


def test_drop_is_refused_before_14_days_and_says_when_it_becomes_allowed(catalogue: AlembicCommand) -> None:
    finding = _drop(catalogue, [applied("c22", 3)])
    assert finding.severity == "blocking"
    assert finding.note == (
        "books.legacy_code was deprecated in c22, applied to production on 2026-05-29T12:00:00Z (3 days ago): "
        "the drop becomes allowed on 2026-06-12T12:00:00Z"
    )
    assert finding.allowed_after == NOW + timedelta(days=11)


def test_drop_is_allowed_after_14_days(catalogue: AlembicCommand) -> None:
    finding = _drop(catalogue, [applied("c22", 20)])
    assert finding.severity == "allowed"
    assert finding.note == (
        "books.legacy_code was deprecated in c22, applied to production on 2026-05-12T12:00:00Z (20 days ago), "
        "at least 14 days: expand/contract satisfied"
    )


def test_drop_after_days_is_the_stack_setting(catalogue: AlembicCommand) -> None:
    assert _drop(catalogue, [applied("c22", 20)], days=30).severity == "blocking"
    assert _drop(catalogue, [applied("c22", 20)], days=7).severity == "allowed"


def test_a_downgrade_restarts_the_clock(catalogue: AlembicCommand) -> None:
    log = [applied("c22", 40), applied("c22", 5, direction="down"), applied("c22", 2)]
    finding = _drop(catalogue, log)
    assert finding.severity == "blocking"
    assert "(2 days ago)" in finding.note


def test_failed_applications_do_not_count(catalogue: AlembicCommand) -> None:
    assert _drop(catalogue, [applied("c22", 30, outcome="failed")]).severity == "blocking"


def test_without_the_log_a_drop_cannot_be_cleared(catalogue: AlembicCommand) -> None:
    finding = _drop(catalogue, None)
    assert finding.severity == "blocking"
    assert (
        finding.note == "books.legacy_code was deprecated in c22, but production's migration log was not read (--from)"
    )


def test_a_table_drop_follows_the_same_rule(catalogue: AlembicCommand) -> None:
    finding = _drop(catalogue, [applied("c22", 20), applied("c30", 15)], revision="c31")
    assert (finding.rule, finding.severity, finding.target) == ("ban-drop-table", "allowed", "reviews")


def test_a_drop_never_deprecated_stays_blocking_whatever_the_log(catalogue: AlembicCommand) -> None:
    report = lint(LintRequest(command=catalogue, applied=("c04",), policy=policy([applied("c04", 100)])))
    [finding] = report.of("c05")
    assert finding.severity == "blocking"
    assert finding.note == "no earlier revision lists 'books.format' in `deprecates`"


def test_applied_since_takes_the_uninterrupted_stretch() -> None:
    rows = [applied("r1", 10), applied("r1", 8), applied("r2", 1)]
    assert applied_since(rows, "r1") == NOW - timedelta(days=10)
    assert applied_since([*rows, applied("r1", 3, direction="down")], "r1") is None
    assert applied_since(rows, "r3") is None
