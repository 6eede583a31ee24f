"""The checks made from the database's answers: thresholds, deltas since the previous run (and after a
statistics reset), slow statements new since then, and the missing extension explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.config.monitoring import MonitoringSettings
from infra.ops.health import sql
from infra.ops.health.baseline import Baseline, Counters, StatementMark
from infra.ops.health.model import judge
from infra.ops.health.probe import DatabaseFacts, Session, Statement

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RESET = datetime(2026, 2, 1, tzinfo=UTC)
MONITORING = MonitoringSettings()


def counters(commits: int = 1000, rollbacks: int = 10, deadlocks: int = 2, reset: datetime = RESET) -> Counters:
    return Counters(stats_reset=reset, commits=commits, rollbacks=rollbacks, deadlocks=deadlocks)


def facts(**changes: Any) -> DatabaseFacts:
    base: dict[str, Any] = {
        "latency_ms": 12.5,
        "statements": [],
        "sessions": [],
        "connections": 8,
        "max_connections": 100,
        "counters": counters(),
        "baseline": Baseline(taken_at=NOW - timedelta(minutes=30), counters=counters()),
        "last_passed_drill": NOW - timedelta(days=2),
    }
    return DatabaseFacts(**{**base, **changes})


def statement(queryid: str, calls: int, total: float, maximum: float) -> Statement:
    return Statement(queryid=queryid, calls=calls, total_ms=total, max_ms=maximum, mean_ms=total / calls, query="q")


@pytest.mark.parametrize(
    ("value", "status"), [(0.0, "ok"), (0.99, "ok"), (1.0, "warning"), (4.9, "warning"), (5, "critical")]
)
def test_judge__at_or_above_each_threshold(value: float, status: str) -> None:
    assert judge(value, MONITORING.deadlocks) == status  # type: ignore[arg-type]


def test_counters__first_run_records_a_baseline() -> None:
    checks = sql.counter_checks(facts(baseline=None), MONITORING)
    assert [(c.name, c.status, c.detail) for c in checks] == [
        ("deadlocks", "skipped", sql.FIRST_RUN),
        ("rollback ratio", "skipped", sql.FIRST_RUN),
    ]


def test_counters__deltas_since_the_previous_run() -> None:
    now = facts(counters=counters(commits=1090, rollbacks=20, deadlocks=3))
    deadlocks, ratio = sql.counter_checks(now, MONITORING)
    assert (deadlocks.status, deadlocks.value) == ("warning", 1)
    assert (ratio.status, ratio.value) == ("warning", 0.1)  # 0.1 is the warning threshold
    assert ratio.detail == "10 of 100 transactions rolled back since the previous run"


def test_counters__a_reset_restarts_from_zero() -> None:
    restarted = facts(counters=counters(commits=50, rollbacks=0, deadlocks=6, reset=NOW - timedelta(minutes=5)))
    deadlocks, ratio = sql.counter_checks(restarted, MONITORING)
    assert (deadlocks.status, deadlocks.value) == ("critical", 6)
    assert (ratio.status, ratio.value) == ("ok", 0.0)


def test_counters__too_few_transactions_are_not_judged() -> None:
    quiet = facts(counters=counters(commits=1005, rollbacks=12))
    _, ratio = sql.counter_checks(quiet, MONITORING)
    assert (ratio.status, ratio.value) == ("ok", None)
    assert ratio.detail.startswith("7 transactions since the previous run: too few to judge")


def test_statements__missing_extension_says_how_to_enable_it_on_neon() -> None:
    check = sql.statement_check(facts(statements=None, statements_problem="not installed"), MONITORING, None)
    assert (check.status, check.detail) == ("warning", "not installed")
    assert "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;" in check.hint
    assert "on Neon" in check.hint


def test_statements__only_what_was_slow_since_the_previous_run_counts() -> None:
    old = StatementMark(calls=10, total_ms=20_000, max_ms=5_000)  # slow long ago, fast since
    baseline = Baseline(taken_at=NOW, counters=counters(), statements={"1": old, "2": old})
    now = [
        statement("1", 20, 20_500, 5_000),  # 10 fast calls since: not counted
        statement("2", 11, 22_000, 5_000),  # one call of 2 s since: counted, its mean since is 2000
        statement("3", 1, 1_500, 1_500),  # new: counted
    ]
    check = sql.statement_check(facts(statements=now), MONITORING, baseline)
    assert (check.status, check.value) == ("warning", 2)
    assert [(i["queryid"], i["calls"], i["mean_ms"]) for i in check.items] == [("2", 1, 2000.0), ("3", 1, 1500.0)]
    assert check.detail == "statements whose mean or max time is over 1000 ms, since the previous run"


def test_statements__top_five_by_max_time() -> None:
    many = [statement(str(n), 1, 1000 + n, 1000 + n) for n in range(1, 8)]
    check = sql.statement_check(facts(statements=many), MONITORING, None)
    assert (check.status, check.value) == ("critical", 7)
    assert [i["queryid"] for i in check.items] == ["7", "6", "5", "4", "3"]


def test_sessions__the_longest_idle_transaction_and_statement() -> None:
    sessions = [
        Session(pid=1, user="app", state="idle in transaction", seconds=400, query="UPDATE books SET x = $1"),
        Session(pid=2, user="app", state="active", seconds=2000, query="SELECT pg_sleep($1)"),
        Session(pid=3, user="app", state="active", seconds=1, query="SELECT 1"),
    ]
    idle, active = sql.session_checks(facts(sessions=sessions), MONITORING)
    assert (idle.name, idle.status, idle.value, idle.detail) == (
        "idle in transaction",
        "warning",
        400,
        "1 session(s); the longest for 400 s",
    )
    assert (active.status, [i["pid"] for i in active.items]) == ("critical", [2, 3])
    assert "pg_terminate_backend" in idle.hint


def test_connections_latency_and_drill_age() -> None:
    busy = facts(connections=96, latency_ms=700.0, last_passed_drill=NOW - timedelta(days=9))
    assert sql.connections_check(busy, MONITORING).status == "critical"
    assert sql.connections_check(busy, MONITORING).detail == "96 of max_connections 100"
    assert sql.latency_check(busy, MONITORING).status == "warning"
    drill = sql.drill_check(busy, MONITORING, NOW, "production")
    assert (drill.status, drill.value) == ("warning", 9.0)
    never = sql.drill_check(facts(last_passed_drill=None), MONITORING, NOW, "production")
    assert (never.status, never.detail) == ("critical", "no passed drill recorded")
    off = sql.drill_check(busy, MonitoringSettings(drill_age_days=None), NOW, "staging")
    assert (off.status, off.detail) == ("skipped", "off for this stack (null in monitoring:)")


def test_next_baseline__keeps_the_counters_and_slow_statements() -> None:
    now = facts(statements=[statement("9", 2, 3000, 2000)], statements_reset=RESET)
    baseline = sql.next_baseline(now, NOW)
    assert baseline.counters == now.counters
    assert baseline.statements == {"9": StatementMark(calls=2, total_ms=3000, max_ms=2000)}
    assert baseline.statements_reset == RESET
