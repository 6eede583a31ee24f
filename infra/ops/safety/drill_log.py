"""`workshelf_infra.drill_log`: one row per restore drill, written into the drilled stack's own database,
so that `health` can tell how long ago a drill last passed (and the record travels with the data)."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal, LiteralString

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict

from infra.ops.infra_schema import ensure_schema, table_exists

TABLE: Final = "drill_log"
RECORDED_BY: Final = "workshelf-infra restore-drill"
DDL: Final[LiteralString] = """
CREATE TABLE IF NOT EXISTS workshelf_infra.drill_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stack text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms bigint NOT NULL CHECK (duration_ms >= 0),
    origin text NOT NULL CHECK (origin IN ('history', 'snapshot')),
    point timestamptz NOT NULL,
    snapshot_id text,
    drill_branch text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('passed', 'failed')),
    checks_passed integer NOT NULL,
    checks_total integer NOT NULL,
    tables integer NOT NULL,
    rows bigint NOT NULL,
    problems jsonb NOT NULL,
    report text,
    recorded_by text NOT NULL
)"""
_FIELDS: Final = (
    "stack, started_at, finished_at, duration_ms, origin, point, snapshot_id, drill_branch, outcome, "
    "checks_passed, checks_total, tables, rows, problems, report, recorded_by"
)
_INSERT: Final = (
    f"INSERT INTO workshelf_infra.drill_log ({_FIELDS}) VALUES ("  # noqa: S608 (constant column list)
    + ", ".join(f"%({name.strip()})s" for name in _FIELDS.split(","))
    + ")"
)
_LAST_PASSED: Final = "SELECT max(finished_at) FROM workshelf_infra.drill_log WHERE outcome = 'passed'"


class DrillLogEntry(BaseModel):
    """What one drill did; `problems` are already masked (they come from the drill's report)."""

    model_config = ConfigDict(frozen=True)

    stack: str
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    origin: Literal["history", "snapshot"]
    point: datetime
    snapshot_id: str | None
    drill_branch: str
    outcome: Literal["passed", "failed"]
    checks_passed: int
    checks_total: int
    tables: int
    rows: int
    problems: list[str]
    report: str | None
    recorded_by: str = RECORDED_BY


def record(conn: psycopg.Connection[tuple[object, ...]], entry: DrillLogEntry) -> None:
    with conn.transaction():
        ensure_schema(conn)
        conn.execute(DDL)
        conn.execute(_INSERT, {**entry.model_dump(), "problems": Jsonb(entry.problems)})


def last_passed(conn: psycopg.Connection[tuple[object, ...]]) -> datetime | None:
    """When the newest passed drill finished; None when none passed (or none was ever recorded)."""
    if not table_exists(conn, TABLE):
        return None
    row = conn.execute(_LAST_PASSED).fetchone()
    return row[0] if row and isinstance(row[0], datetime) else None
