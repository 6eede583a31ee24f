"""`workshelf_infra.release_log`: one row per release, written into the released database itself.

The production gate reads staging's rows (the last successful release and the revision it reached);
`release status` reads the last few. A row holds no secret: commands are masked before they get here.
A restore brings a database back with the rows it had then; the release that was undone stays in the
printed JSON, the workflow's artifacts and the `backup/pre-restore-…` branch the restore keeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Final, Literal, LiteralString, Protocol

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.ops.infra_schema import ensure_schema, table_exists
from infra.ops.release.errors import ReleaseError
from infra.ops.safety.checks import CheckOutcome
from infra.ops.safety.pg import PostgresTools, database_of

Outcome = Literal["ok", "checks_failed", "migration_failed"]
RECORDED_BY: Final = "workshelf-infra release"
TABLE: Final = "release_log"
DDL: Final[LiteralString] = """
CREATE TABLE IF NOT EXISTS workshelf_infra.release_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stack text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'checks_failed', 'migration_failed')),
    revision_before text,
    revision_after text,
    git_sha text,
    command text NOT NULL,
    migration_exit_code integer NOT NULL,
    backup_branch_id text NOT NULL,
    backup_branch_name text NOT NULL,
    backup_expires_at timestamptz,
    checks_passed integer NOT NULL,
    checks_total integer NOT NULL,
    checks jsonb NOT NULL,
    outside_window boolean NOT NULL,
    override_reason text,
    restore_command text NOT NULL,
    recorded_by text NOT NULL
)"""
_FIELDS: Final = (
    "stack, started_at, finished_at, outcome, revision_before, revision_after, git_sha, command, "
    "migration_exit_code, backup_branch_id, backup_branch_name, backup_expires_at, checks_passed, checks_total, "
    "checks, outside_window, override_reason, restore_command, recorded_by"
)
_INSERT: Final = (
    f"INSERT INTO workshelf_infra.release_log ({_FIELDS}) VALUES ("  # noqa: S608 (constant column list)
    + ", ".join(f"%({name.strip()})s" for name in _FIELDS.split(","))
    + ") RETURNING id"
)
_SELECT: Final = (
    f"SELECT id, {_FIELDS} FROM workshelf_infra.release_log "  # noqa: S608 (constant column list)
    "WHERE (%(outcome)s::text IS NULL OR outcome = %(outcome)s) ORDER BY finished_at DESC, id DESC LIMIT %(limit)s"
)


class ReleaseRecord(BaseModel):
    """What a release did; printed as JSON and stored as one row (`id` once stored)."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None
    stack: str
    started_at: datetime
    finished_at: datetime
    outcome: Outcome
    revision_before: str | None
    revision_after: str | None
    git_sha: str | None
    command: str
    migration_exit_code: int
    backup_branch_id: str
    backup_branch_name: str
    backup_expires_at: datetime | None
    checks_passed: int
    checks_total: int
    checks: list[CheckOutcome]
    outside_window: bool
    override_reason: str | None
    restore_command: str
    recorded_by: str = RECORDED_BY


class ReleaseLog(Protocol):
    """Where release records are kept: the stack's database (tests pass an in-memory one)."""

    def write(self, url: SecretStr, record: ReleaseRecord) -> ReleaseRecord: ...

    def read(self, url: SecretStr, *, limit: int, outcome: Outcome | None = None) -> list[ReleaseRecord]: ...


class PostgresReleaseLog:
    """ReleaseLog over psycopg; errors name the database, never the URI."""

    def write(self, url: SecretStr, record: ReleaseRecord) -> ReleaseRecord:
        row = record.model_dump(exclude={"id"})
        row["checks"] = Jsonb([c.model_dump(mode="json") for c in record.checks])
        with _session(url, "record the release in", read_only=False) as conn, conn.transaction():
            ensure_schema(conn)
            conn.execute(DDL)
            found = conn.execute(_INSERT, row).fetchone()
        return record.model_copy(update={"id": int(str(found[0])) if found else None})

    def read(self, url: SecretStr, *, limit: int, outcome: Outcome | None = None) -> list[ReleaseRecord]:
        with _session(url, "read the release records of", read_only=True) as conn:
            if not table_exists(conn, TABLE):
                return []
            cursor = conn.execute(_SELECT, {"outcome": outcome, "limit": limit})
            names = [d.name for d in cursor.description or ()]
            return [ReleaseRecord.model_validate(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


@contextmanager
def _session(url: SecretStr, doing: str, *, read_only: bool) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection (`PostgresTools.connect`); a database error becomes one ReleaseError naming the database."""
    try:
        with PostgresTools().connect(url, read_only=read_only) as conn:
            yield conn
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ReleaseError(f"cannot {doing} database {database_of(url)}: {first}") from None
