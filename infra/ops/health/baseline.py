"""The previous run's counters, kept in the stack's own database as one row of
`workshelf_infra.health_baseline`, so that deadlocks, the rollback ratio and slow statements are judged
"since the previous run" wherever `health` runs (a CI runner keeps nothing between runs).

Cumulative counters reset when Neon restarts a compute (`pg_stat_database.stats_reset` changes;
`pg_stat_statements_info.stats_reset` for statements): a delta is then taken from zero.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, LiteralString

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra.ops.infra_schema import ensure_schema, table_exists

TABLE: Final = "health_baseline"
DDL: Final[LiteralString] = """
CREATE TABLE IF NOT EXISTS workshelf_infra.health_baseline (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    taken_at timestamptz NOT NULL,
    baseline jsonb NOT NULL
)"""
_UPSERT: Final = """
/* workshelf-infra health */ INSERT INTO workshelf_infra.health_baseline (id, taken_at, baseline)
VALUES (1, %(taken_at)s, %(baseline)s)
ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, baseline = excluded.baseline
"""
_SELECT: Final = "/* workshelf-infra health */ SELECT baseline FROM workshelf_infra.health_baseline WHERE id = 1"


class Counters(BaseModel):
    """`pg_stat_database` for the stack's database: cumulative since `stats_reset`."""

    model_config = ConfigDict(frozen=True)

    stats_reset: datetime | None
    commits: int
    rollbacks: int
    deadlocks: int


class StatementMark(BaseModel):
    """One statement's cumulative figures at the previous run (statements slow then)."""

    model_config = ConfigDict(frozen=True)

    calls: int
    total_ms: float
    max_ms: float


class Baseline(BaseModel):
    model_config = ConfigDict(frozen=True)

    taken_at: datetime
    counters: Counters
    statements_reset: datetime | None = None
    statements: dict[str, StatementMark] = Field(default_factory=dict)  # by queryid


def read_baseline(conn: psycopg.Connection[tuple[object, ...]]) -> Baseline | None:
    """The previous run's baseline; None on a first run (or an unreadable one, which is replaced)."""
    if not table_exists(conn, TABLE):
        return None
    row = conn.execute(_SELECT).fetchone()
    if not row:
        return None
    try:
        return Baseline.model_validate(row[0])
    except ValidationError:
        return None


def write_baseline(conn: psycopg.Connection[tuple[object, ...]], baseline: Baseline) -> None:
    with conn.transaction():
        ensure_schema(conn)
        conn.execute(DDL)
        conn.execute(_UPSERT, {"taken_at": baseline.taken_at, "baseline": Jsonb(baseline.model_dump(mode="json"))})
