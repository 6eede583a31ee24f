"""The checks made from the database's answers. Deadlocks, the rollback ratio and slow statements count
what happened since the previous run (its baseline); a first run records the baseline and says so."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import JsonValue

from infra.config.monitoring import MonitoringSettings, Threshold
from infra.ops.followup import cli_command
from infra.ops.health.baseline import Baseline, Counters, StatementMark
from infra.ops.health.model import Check, judge, skipped
from infra.ops.health.probe import DatabaseFacts, Session, Statement
from infra.ops.safety.checks import SAMPLE_CHECK_FILE
from infra.toolchain.paths import REPO_ROOT

TOP: Final = 5
MIN_TRANSACTIONS: Final = 20  # fewer since the previous run: no ratio worth judging
ENABLE_STATEMENTS: Final = (
    "on Neon, run `CREATE EXTENSION IF NOT EXISTS pg_stat_statements;` in the database as its owner (Neon "
    "preloads the library; statistics restart whenever the compute restarts); on your own PostgreSQL, add "
    "`shared_preload_libraries = 'pg_stat_statements'`, restart, then create the extension"
)
FIRST_RUN: Final = "first run: baseline recorded; judged from the next run on"


def _off(name: str) -> Check:
    return skipped(name, "off for this stack (null in monitoring:)")


def _judged(name: str, value: float, threshold: Threshold | None, **fields: JsonValue) -> Check:
    if threshold is None:
        return _off(name)
    return Check.model_validate(
        {"name": name, "status": judge(value, threshold), "value": value, "threshold": threshold, **fields}
    )


def latency_check(facts: DatabaseFacts, monitoring: MonitoringSettings) -> Check:
    return _judged(
        "connection",
        facts.latency_ms,
        monitoring.connect_latency_ms,
        unit=" ms",
        detail="connect and SELECT 1",
        hint="check Neon's status page and the compute's size; a cold start after suspend adds a few seconds",
    )


def _window_since(baseline: Baseline | None, counters: Counters) -> Counters | None:
    """What happened since the previous run; None on a first run. A reset restarts the counters at zero."""
    if baseline is None:
        return None
    before = baseline.counters
    if before.stats_reset != counters.stats_reset or counters.commits < before.commits:
        return counters
    return Counters(
        stats_reset=counters.stats_reset,
        commits=counters.commits - before.commits,
        rollbacks=counters.rollbacks - before.rollbacks,
        deadlocks=counters.deadlocks - before.deadlocks,
    )


def counter_checks(facts: DatabaseFacts, monitoring: MonitoringSettings) -> list[Check]:
    since = _window_since(facts.baseline, facts.counters)
    if since is None:
        return [skipped("deadlocks", FIRST_RUN), skipped("rollback ratio", FIRST_RUN)]
    deadlocks = _judged(
        "deadlocks",
        since.deadlocks,
        monitoring.deadlocks,
        detail="since the previous run",
        hint="find the two transactions in the PostgreSQL log (Neon: Monitoring → Logs) and make them take "
        "their locks in the same order",
    )
    total = since.commits + since.rollbacks
    if total < MIN_TRANSACTIONS:
        ratio = Check(
            name="rollback ratio",
            status="ok" if monitoring.rollback_ratio else "skipped",
            value=None,
            threshold=monitoring.rollback_ratio,
            detail=f"{total} transactions since the previous run: too few to judge (fewer than {MIN_TRANSACTIONS})",
        )
        return [deadlocks, ratio]
    ratio = _judged(
        "rollback ratio",
        round(since.rollbacks / total, 3),
        monitoring.rollback_ratio,
        detail=f"{since.rollbacks} of {total} transactions rolled back since the previous run",
        hint="look for application errors (failed requests roll back) and serialization failures",
    )
    return [deadlocks, ratio]


def _new_slow(statement: Statement, before: StatementMark | None, slow_ms: int) -> Statement | None:
    """The statement's figures since the previous run, if it was slow in that time."""
    if before is None:
        return statement  # not slow at the previous run: its max or mean crossed the line since
    calls = statement.calls - before.calls
    if calls <= 0:
        return None
    mean = (statement.total_ms - before.total_ms) / calls
    if mean <= slow_ms and statement.max_ms <= before.max_ms:
        return None
    return statement.model_copy(update={"calls": calls, "mean_ms": round(mean, 1)})


def statement_check(facts: DatabaseFacts, monitoring: MonitoringSettings, baseline: Baseline | None) -> Check:
    name = "slow statements"
    if monitoring.slow_queries is None:
        return _off(name)
    if facts.statements is None:
        problem = facts.statements_problem or ""
        return Check(
            name=name, status="warning", threshold=monitoring.slow_queries, detail=problem, hint=ENABLE_STATEMENTS
        )
    fresh = baseline is None or baseline.statements_reset != facts.statements_reset
    marks = {} if fresh or baseline is None else baseline.statements
    slow = [
        fresh_figures
        for s in facts.statements
        if (fresh_figures := _new_slow(s, marks.get(s.queryid), monitoring.slow_query_ms)) is not None
    ]
    since = "since statistics began (first run or reset)" if fresh else "since the previous run"
    top = sorted(slow, key=lambda s: s.max_ms, reverse=True)[:TOP]
    return _judged(
        name,
        len(slow),
        monitoring.slow_queries,
        detail=f"statements whose mean or max time is over {monitoring.slow_query_ms} ms, {since}",
        hint="EXPLAIN (ANALYZE, BUFFERS) the statements listed; add the missing index or rewrite the query",
        items=[_statement_item(s) for s in top],
    )


def _statement_item(s: Statement) -> dict[str, JsonValue]:
    return {
        "queryid": s.queryid,
        "calls": s.calls,
        "mean_ms": s.mean_ms,
        "max_ms": round(s.max_ms, 1),
        "query": s.query,
    }


def session_checks(facts: DatabaseFacts, monitoring: MonitoringSettings) -> list[Check]:
    idle = [s for s in facts.sessions if s.state.startswith("idle in transaction")]
    active = [s for s in facts.sessions if s.state == "active"]
    return [
        _sessions_check(
            "idle in transaction",
            idle,
            monitoring.idle_in_transaction_seconds,
            hint="find the application code that opens a transaction and waits (it holds locks and blocks vacuum); "
            "end a stuck one with SELECT pg_terminate_backend(<pid>); set idle_in_transaction_session_timeout",
        ),
        _sessions_check(
            "long-running statements",
            active,
            monitoring.long_running_seconds,
            hint="EXPLAIN the statement; cancel it with SELECT pg_cancel_backend(<pid>) if it is not meant to run "
            "this long; set statement_timeout for the application's role",
        ),
    ]


def _sessions_check(name: str, sessions: list[Session], threshold: Threshold | None, *, hint: str) -> Check:
    oldest = sorted(sessions, key=lambda s: s.seconds, reverse=True)
    longest = oldest[0].seconds if oldest else 0.0
    return _judged(
        name,
        longest,
        threshold,
        unit=" s",
        detail=f"{len(sessions)} session(s); the longest for {longest:g} s",
        hint=hint,
        items=[{"pid": s.pid, "user": s.user, "seconds": s.seconds, "query": s.query} for s in oldest[:TOP]],
    )


def connections_check(facts: DatabaseFacts, monitoring: MonitoringSettings) -> Check:
    share = round(100 * facts.connections / facts.max_connections, 1) if facts.max_connections else 0.0
    return _judged(
        "connections",
        share,
        monitoring.connections_percent,
        unit=" %",
        detail=f"{facts.connections} of max_connections {facts.max_connections}",
        hint="use Neon's pooled connection string (-pooler host) in the application, or a larger compute "
        "(max_connections grows with its size)",
    )


def drill_check(facts: DatabaseFacts, monitoring: MonitoringSettings, now: datetime, stack: str) -> Check:
    name = "last passed restore drill"
    threshold = monitoring.drill_age_days
    checks = str(REPO_ROOT / SAMPLE_CHECK_FILE)
    hint = f"run one (RUNBOOK §4): {cli_command('restore-drill', '--stack', stack, '--check', checks)}"
    if threshold is None:
        return _off(name)
    if facts.last_passed_drill is None:
        return Check(name=name, status="critical", threshold=threshold, detail="no passed drill recorded", hint=hint)
    days = round((now - facts.last_passed_drill).total_seconds() / 86_400, 2)
    return _judged(name, days, threshold, unit=" days", detail="since it finished", hint=hint)


def next_baseline(facts: DatabaseFacts, now: datetime) -> Baseline:
    """What the next run compares with: the counters now, and the statements slow now."""
    return Baseline(
        taken_at=now,
        counters=facts.counters,
        statements_reset=facts.statements_reset,
        statements={
            s.queryid: StatementMark(calls=s.calls, total_ms=s.total_ms, max_ms=s.max_ms)
            for s in facts.statements or []
        },
    )
