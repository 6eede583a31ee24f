"""What the migration commands ask of a database, beyond `safety.pg`'s tools: its state (applied
revision and migration log), the log's writer, the round trip's snapshots, and a seed file. Connections
come from `PostgresTools.connect` (errors name the database, never the URL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol

import psycopg
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.ops.migrations.contract import LogRow
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.fingerprint import Snapshot, snapshot
from infra.ops.migrations.log import LogEntry, read_log, record
from infra.ops.safety.pg import PostgresTools, alembic_revision, database_of

# Checksumming every column of a branch of real data can take a while; the default 120s would not do.
SNAPSHOT_TIMEOUT: Final = "30min"


class DatabaseState(BaseModel):
    model_config = ConfigDict(frozen=True)

    applied: tuple[str, ...]  # alembic_version's rows (none: nothing applied yet)
    log: tuple[LogRow, ...]


class MigrationDatabase(Protocol):
    def state(self, url: SecretStr) -> DatabaseState: ...

    def record(self, url: SecretStr, entries: Sequence[LogEntry]) -> None: ...

    def snapshot(self, url: SecretStr) -> Snapshot: ...

    def run_sql(self, url: SecretStr, text: str, *, source: str) -> None: ...


class PostgresMigrationDatabase:
    def __init__(self, tools: PostgresTools | None = None) -> None:
        self.tools = tools or PostgresTools()

    def state(self, url: SecretStr) -> DatabaseState:
        with self.tools.connect(url) as conn:
            revision = alembic_revision(conn)
            return DatabaseState(applied=tuple(revision.split(",")) if revision else (), log=tuple(read_log(conn)))

    def record(self, url: SecretStr, entries: Sequence[LogEntry]) -> None:
        with self.tools.connect(url, read_only=False) as conn:
            record(conn, entries)

    def snapshot(self, url: SecretStr) -> Snapshot:
        with self.tools.connect(url, statement_timeout=SNAPSHOT_TIMEOUT) as conn:
            return snapshot(conn)

    def run_sql(self, url: SecretStr, text: str, *, source: str) -> None:
        """A whole SQL file in one transaction (the seed of a scratch database)."""
        with self.tools.connect(url, read_only=False) as conn:
            try:
                with conn.transaction():
                    conn.execute(text.encode())
            except psycopg.Error as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise MigrationError(f"{source} failed on {database_of(url)}: {first}") from None
