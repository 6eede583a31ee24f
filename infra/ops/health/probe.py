"""What the stack's database says, read in one connection: how long connecting took, slow statements
(`pg_stat_statements`), sessions idle in a transaction or running long, connections, counters, the
previous run's baseline and the last passed drill. Every query is marked so it can be told apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Final, Protocol

import psycopg
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.masking import mask_uri_passwords
from infra.ops.health.baseline import Baseline, Counters, read_baseline, write_baseline
from infra.ops.health.errors import HealthError
from infra.ops.safety.drill_log import last_passed
from infra.ops.safety.pg import database_of

CONNECT_TIMEOUT_SECONDS: Final = 10
QUERY_CHARS: Final = 160
# Every query starts with this mark (spelled out: queries are literals), so that pg_stat_statements
# entries of health itself are left out.
_STATEMENTS: Final = """/* workshelf-infra health */
SELECT s.queryid::text, s.calls, s.total_exec_time, s.max_exec_time, s.mean_exec_time, s.query
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database() AND (s.mean_exec_time > %(ms)s OR s.max_exec_time > %(ms)s)
  AND s.query NOT LIKE '%%workshelf-infra health%%'
ORDER BY s.max_exec_time DESC LIMIT 100"""
_SESSIONS: Final = """/* workshelf-infra health */
SELECT pid, usename, state, extract(epoch FROM now() - state_change)::float8,
       extract(epoch FROM now() - query_start)::float8, coalesce(query, '')
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()
  AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"""
_COUNTERS: Final = """/* workshelf-infra health */
SELECT stats_reset, xact_commit, xact_rollback, deadlocks FROM pg_stat_database WHERE datname = current_database()"""
_CONNECTIONS: Final = """/* workshelf-infra health */
SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"""
_STATEMENTS_RESET: Final = "/* workshelf-infra health */ SELECT stats_reset FROM pg_stat_statements_info"


class Statement(BaseModel):
    model_config = ConfigDict(frozen=True)

    queryid: str
    calls: int
    total_ms: float
    max_ms: float
    mean_ms: float
    query: str


class Session(BaseModel):
    model_config = ConfigDict(frozen=True)

    pid: int
    user: str | None
    state: str
    seconds: float  # in this state (idle in transaction) or running this statement (active)
    query: str


class DatabaseFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    latency_ms: float
    statements: list[Statement] | None  # None: pg_stat_statements cannot be read (see statements_problem)
    statements_problem: str | None = None
    statements_reset: datetime | None = None
    sessions: list[Session]
    connections: int
    max_connections: int
    counters: Counters
    baseline: Baseline | None
    last_passed_drill: datetime | None


class DatabaseProbe(Protocol):
    def facts(self, url: SecretStr, *, slow_ms: int, monotonic: Callable[[], float]) -> DatabaseFacts: ...

    def save_baseline(self, url: SecretStr, baseline: Baseline) -> None: ...


def _first_line(exc: psycopg.Error) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class PostgresProbe:
    """DatabaseProbe over psycopg; a connection failure is a HealthError without the URI."""

    @contextmanager
    def _connect(self, url: SecretStr) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        try:
            conn = psycopg.connect(url.get_secret_value(), autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.Error as exc:
            raise HealthError(f"cannot connect to {database_of(url)}: {_first_line(exc)}") from None
        with conn:
            conn.execute("/* workshelf-infra health */ SET statement_timeout = '10s'")
            yield conn

    def facts(self, url: SecretStr, *, slow_ms: int, monotonic: Callable[[], float]) -> DatabaseFacts:
        started = monotonic()
        with self._connect(url) as conn:
            conn.execute("/* workshelf-infra health */ SELECT 1")
            latency = (monotonic() - started) * 1000
            try:
                return self._read(conn, latency, slow_ms)
            except psycopg.Error as exc:
                raise HealthError(f"the health queries failed on {database_of(url)}: {_first_line(exc)}") from None

    def _read(self, conn: psycopg.Connection[tuple[object, ...]], latency: float, slow_ms: int) -> DatabaseFacts:
        statements, problem, reset = _statements(conn, slow_ms)
        counters = conn.execute(_COUNTERS).fetchone()
        connections = conn.execute(_CONNECTIONS).fetchone()
        maximum = conn.execute("/* workshelf-infra health */ SHOW max_connections").fetchone()
        return DatabaseFacts(
            latency_ms=round(latency, 1),
            statements=statements,
            statements_problem=problem,
            statements_reset=reset,
            sessions=[_session(row) for row in conn.execute(_SESSIONS).fetchall()],
            connections=int(str(connections[0])) if connections else 0,
            max_connections=int(str(maximum[0])) if maximum else 0,
            counters=Counters(
                stats_reset=counters[0] if counters and isinstance(counters[0], datetime) else None,
                commits=int(str(counters[1])) if counters else 0,
                rollbacks=int(str(counters[2])) if counters else 0,
                deadlocks=int(str(counters[3])) if counters else 0,
            ),
            baseline=read_baseline(conn),
            last_passed_drill=last_passed(conn),
        )

    def save_baseline(self, url: SecretStr, baseline: Baseline) -> None:
        with self._connect(url) as conn:
            try:
                write_baseline(conn, baseline)
            except psycopg.Error as exc:
                raise HealthError(f"cannot keep the baseline in {database_of(url)}: {_first_line(exc)}") from None


def _statements(
    conn: psycopg.Connection[tuple[object, ...]], slow_ms: int
) -> tuple[list[Statement] | None, str | None, datetime | None]:
    """The statements slower than `slow_ms` (mean or max), or why pg_stat_statements cannot be read."""
    found = conn.execute("/* workshelf-infra health */ SELECT to_regclass('pg_stat_statements') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return None, "the pg_stat_statements extension is not installed in this database", None
    try:
        with conn.transaction():
            rows = conn.execute(_STATEMENTS, {"ms": slow_ms}).fetchall()
            info = conn.execute(_STATEMENTS_RESET).fetchone()
    except psycopg.Error as exc:
        return None, _first_line(exc), None
    reset = info[0] if info and isinstance(info[0], datetime) else None
    return [_statement(row) for row in rows], None, reset


def _statement(row: tuple[object, ...]) -> Statement:
    queryid, calls, total, maximum, mean, query = row
    return Statement(
        queryid=str(queryid),
        calls=int(str(calls)),
        total_ms=float(str(total)),
        max_ms=float(str(maximum)),
        mean_ms=float(str(mean)),
        query=_shorten(str(query)),
    )


def _session(row: tuple[object, ...]) -> Session:
    pid, user, state, in_state, running, query = row
    active = state == "active"
    seconds = running if active else in_state
    return Session(
        pid=int(str(pid)),
        user=str(user) if user is not None else None,
        state=str(state),
        seconds=round(float(str(seconds)), 1) if seconds is not None else 0.0,
        query=_shorten(str(query)),
    )


def _shorten(query: str) -> str:
    """One line, masked (a URI with a password inside a literal), at most QUERY_CHARS characters."""
    flat = " ".join(mask_uri_passwords(query).split())
    return flat if len(flat) <= QUERY_CHARS else flat[: QUERY_CHARS - 1] + "…"
