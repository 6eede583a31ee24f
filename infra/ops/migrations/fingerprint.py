"""What a round-trip step is compared on: the schema (the catalog fingerprint of `safety.schema`), the
Alembic revision, and the data: each table's row count and, per column, the number of non-null values
and an order-independent checksum (the sum of a 64-bit hash of each value's text form). Rows may come
back in another physical order and a column may change type (varchar -> text): neither is a change.

Left out: `alembic_version` (it moves by design) and our own `workshelf_infra` schema.
"""

from __future__ import annotations

from typing import Final, Protocol

import psycopg
from psycopg import sql
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.ops.migrations.errors import MigrationError
from infra.ops.safety.pg import database_of
from infra.ops.safety.schema import SNAPSHOT_QUERIES

CONNECT_TIMEOUT_SECONDS: Final = 20
STATEMENT_TIMEOUT: Final = "600s"
_COLUMNS: Final = """
SELECT n.nspname, c.relname, a.attname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'workshelf_infra')
  AND n.nspname NOT LIKE 'pg\\_%' AND NOT (c.relname = 'alembic_version')
ORDER BY 1, 2, a.attnum
"""


class TableData(BaseModel):
    model_config = ConfigDict(frozen=True)

    rows: int
    columns: dict[str, str]  # column -> "<non-null count>:<hash sum>"


class Snapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    revision: str | None
    schema_lines: list[str]
    tables: dict[str, TableData]  # "schema.table"


class Probe(Protocol):
    def snapshot(self, url: SecretStr) -> Snapshot: ...


def _table_query(schema: str, table: str, columns: list[str]) -> sql.Composed:
    parts: list[sql.Composable] = [sql.SQL("count(*)")]
    for column in columns:
        ident = sql.Identifier(column)
        parts.append(sql.SQL("count({})").format(ident))
        parts.append(sql.SQL("coalesce(sum(hashtextextended({}::text, 0)::numeric), 0)").format(ident))
    return sql.SQL("SELECT {} FROM {}.{}").format(
        sql.SQL(", ").join(parts), sql.Identifier(schema), sql.Identifier(table)
    )


def table_data(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, TableData]:
    layout: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in conn.execute(_COLUMNS).fetchall():
        layout.setdefault((str(schema), str(table)), []).append(str(column))
    found = {}
    for (schema, table), columns in layout.items():
        row = conn.execute(_table_query(schema, table, columns)).fetchone() or ()
        values = [str(v) for v in row]
        checksums = {c: f"{values[1 + 2 * i]}:{values[2 + 2 * i]}" for i, c in enumerate(columns)}
        found[f"{schema}.{table}"] = TableData(rows=int(values[0]), columns=checksums)
    return found


def current_revision(conn: psycopg.Connection[tuple[object, ...]]) -> str | None:
    found = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return None
    rows = conn.execute("SELECT version_num FROM alembic_version ORDER BY 1").fetchall()
    return ",".join(str(r[0]) for r in rows) or None


class PostgresProbe:
    """Probe over one read-only psycopg connection per snapshot."""

    def snapshot(self, url: SecretStr) -> Snapshot:
        try:
            conn = psycopg.connect(url.get_secret_value(), autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.Error as exc:
            raise MigrationError(f"cannot connect to {database_of(url)}: {str(exc).strip().splitlines()[0]}") from None
        with conn:
            conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(STATEMENT_TIMEOUT)))
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            with conn.transaction():  # one consistent view of schema and data
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                lines = sorted(str(r[0]) for q in SNAPSHOT_QUERIES for r in conn.execute(q).fetchall())
                return Snapshot(revision=current_revision(conn), schema_lines=lines, tables=table_data(conn))
