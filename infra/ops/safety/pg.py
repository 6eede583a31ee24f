"""What the workflows ask of a database, over psycopg: a schema fingerprint, the Alembic revision,
table row counts, read-only check queries, and scratch databases (dev's throwaway for migration-test)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.ops.safety import drill_log
from infra.ops.safety.drill_log import DrillLogEntry
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.schema import SNAPSHOT_QUERIES

CONNECT_TIMEOUT_SECONDS = 20
STATEMENT_TIMEOUT = "120s"
_USER_TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2
"""


class TableCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    table: str
    rows: int


class QueryValue(BaseModel):
    """The first column of the first row, rendered as text (`null`, `true`), or the error."""

    model_config = ConfigDict(frozen=True)

    value: str | None = None
    rows: int = 0
    error: str | None = None


class DatabaseTools(Protocol):
    def schema(self, url: SecretStr) -> list[str]: ...

    def revision(self, url: SecretStr) -> str | None: ...

    def table_counts(self, url: SecretStr) -> list[TableCount]: ...

    def query_values(self, url: SecretStr, queries: Sequence[str]) -> list[QueryValue]: ...

    def scratch_database(self, url: SecretStr, prefix: str) -> AbstractContextManager[SecretStr]: ...

    def record_drill(self, url: SecretStr, entry: DrillLogEntry) -> None: ...


def render(value: object) -> str:
    """How a check's result is compared with its expectation: SQL-ish text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def with_database(url: SecretStr, database: str) -> SecretStr:
    """The same URI pointing at another database (query parameters such as sslmode kept)."""
    parts = urlsplit(url.get_secret_value())
    return SecretStr(urlunsplit(parts._replace(path="/" + quote(database, safe=""))))


def database_of(url: SecretStr) -> str:
    return unquote(urlsplit(url.get_secret_value()).path.lstrip("/"))


def alembic_revision(conn: psycopg.Connection[tuple[object, ...]]) -> str | None:
    """`alembic_version`'s rows joined by commas (several heads), None before the first migration."""
    found = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return None
    rows = conn.execute("SELECT version_num FROM alembic_version ORDER BY 1").fetchall()
    return ",".join(str(r[0]) for r in rows) or None


class PostgresTools:
    """DatabaseTools over psycopg; every error becomes a SafetyError without the URI."""

    @contextmanager
    def connect(
        self, url: SecretStr, *, read_only: bool = True, statement_timeout: str = STATEMENT_TIMEOUT
    ) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        try:
            conn = psycopg.connect(url.get_secret_value(), autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.Error as exc:
            raise SafetyError(f"cannot connect to {database_of(url)}: {_first_line(exc)}") from None
        with conn:
            conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(statement_timeout)))
            if read_only:
                conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            yield conn

    def schema(self, url: SecretStr) -> list[str]:
        with self.connect(url) as conn:
            lines = [str(row[0]) for query in SNAPSHOT_QUERIES for row in conn.execute(query).fetchall()]
        return sorted(lines)

    def revision(self, url: SecretStr) -> str | None:
        with self.connect(url) as conn:
            return alembic_revision(conn)

    def table_counts(self, url: SecretStr) -> list[TableCount]:
        with self.connect(url) as conn:
            tables = [(str(s), str(t)) for s, t in conn.execute(_USER_TABLES).fetchall()]
            counts = []
            for schema, table in tables:
                query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
                row = conn.execute(query).fetchone()
                counts.append(TableCount(table=f"{schema}.{table}", rows=int(str(row[0])) if row else 0))
        return counts

    def query_values(self, url: SecretStr, queries: Sequence[str]) -> list[QueryValue]:
        results = []
        with self.connect(url) as conn:
            for query in queries:
                try:
                    rows = conn.execute(query.encode()).fetchall()
                except psycopg.Error as exc:
                    results.append(QueryValue(error=_first_line(exc)))
                    continue
                value = render(rows[0][0]) if rows and rows[0] else None
                results.append(QueryValue(value=value, rows=len(rows)))
        return results

    def record_drill(self, url: SecretStr, entry: DrillLogEntry) -> None:
        """Append to `workshelf_infra.drill_log` in the stack's database (see drill_log.py)."""
        with self.connect(url, read_only=False) as conn:
            try:
                drill_log.record(conn, entry)
            except psycopg.Error as exc:
                raise SafetyError(f"cannot record the drill in {database_of(url)}: {_first_line(exc)}") from None

    @contextmanager
    def scratch_database(self, url: SecretStr, prefix: str) -> Iterator[SecretStr]:
        """A new empty database next to `url`'s (its role needs CREATEDB), dropped on the way out."""
        name = f"{prefix}_{secrets.token_hex(4)}"
        with self.connect(url, read_only=False) as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.Error as exc:
                raise SafetyError(
                    f"cannot create the scratch database {name}: {_first_line(exc)}",
                    hint="the stack's role needs CREATEDB (the dev stack's role has it)",
                ) from None
        try:
            yield with_database(url, name)
        finally:
            with self.connect(url, read_only=False) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _first_line(exc: psycopg.Error) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
