"""`workshelf_infra.migration_log`: one row per revision `migrate` applies (or fails to apply), in the
target database itself, so that the record travels with the data (branches, restores) and rule 1 can
ask how long a deprecation has been live. Written by `migrate`; read by `migration-lint`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Literal, LiteralString

import psycopg
from pydantic import BaseModel, ConfigDict

from infra.ops.infra_schema import SCHEMA, ensure_schema, table_exists
from infra.ops.migrations.contract import LogRow

TABLE: Final = f"{SCHEMA}.migration_log"
DDL: Final[tuple[LiteralString, ...]] = (
    """CREATE TABLE IF NOT EXISTS workshelf_infra.migration_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        revision text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('up', 'down')),
        applied_at timestamptz NOT NULL,
        duration_ms bigint NOT NULL CHECK (duration_ms >= 0),
        outcome text NOT NULL CHECK (outcome IN ('ok', 'failed')),
        error text,
        git_sha text,
        command text NOT NULL,
        backup_branch text,
        recorded_by text NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS migration_log_revision ON workshelf_infra.migration_log (revision, applied_at)",
)
RECORDED_BY: Final = "workshelf-infra migrate"
_INSERT: Final = """
INSERT INTO workshelf_infra.migration_log
    (revision, direction, applied_at, duration_ms, outcome, error, git_sha, command, backup_branch, recorded_by)
VALUES (%(revision)s, %(direction)s, %(applied_at)s, %(duration_ms)s, %(outcome)s, %(error)s, %(git_sha)s,
        %(command)s, %(backup_branch)s, %(recorded_by)s)
"""
_SELECT: Final = """
SELECT revision, direction, applied_at, outcome FROM workshelf_infra.migration_log ORDER BY applied_at, id
"""


class LogEntry(BaseModel):
    """One applied (or failed) revision. `command` is shown masked; `error` is the failure's last line."""

    model_config = ConfigDict(frozen=True)

    revision: str
    direction: Literal["up", "down"]
    applied_at: datetime
    duration_ms: int
    outcome: Literal["ok", "failed"]
    command: str
    error: str | None = None
    git_sha: str | None = None
    backup_branch: str | None = None
    recorded_by: str = RECORDED_BY


def ensure_log(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Create the schema and table if missing (idempotent; safe on every run)."""
    with conn.transaction():
        ensure_schema(conn)
        for statement in DDL:
            conn.execute(statement)


def record(conn: psycopg.Connection[tuple[object, ...]], entries: Sequence[LogEntry]) -> None:
    ensure_log(conn)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(_INSERT, [e.model_dump() for e in entries])


def read_log(conn: psycopg.Connection[tuple[object, ...]]) -> list[LogRow]:
    """Every row, oldest first; no table yet means no rows (nothing was ever migrated by us)."""
    if not table_exists(conn, "migration_log"):
        return []
    return [
        LogRow.model_validate({"revision": r, "direction": d, "applied_at": a, "outcome": o})
        for r, d, a, o in conn.execute(_SELECT).fetchall()
    ]
