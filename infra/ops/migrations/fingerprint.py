"""What a round-trip step is compared on: the schema (the catalog fingerprint of `safety.schema`), the
Alembic revision, and the data: each table's row count and, per column, the number of non-null values
and an order-independent checksum (the sum of a 64-bit hash of each value's text form). Rows may come
back in another physical order and a column may change type (varchar -> text): neither is a change.

Left out: `alembic_version` (it moves by design, and `downgrade base` drops it) and our own
`workshelf_infra` schema.
"""

from __future__ import annotations

import re
from typing import Final, Protocol

import psycopg
from psycopg import sql
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.ops.safety.pg import alembic_revision
from infra.ops.safety.schema import SNAPSHOT_QUERIES

_COLUMNS: Final = """
SELECT n.nspname, c.relname, a.attname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'workshelf_infra')
  AND n.nspname NOT LIKE 'pg\\_%' AND NOT (c.relname = 'alembic_version')
ORDER BY 1, 2, a.attnum
"""


# Alembic's own table comes and goes with `downgrade base`: not part of the application's schema.
_BOOKKEEPING: Final = re.compile(r"\bpublic\.alembic_version\b")


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


def snapshot(conn: psycopg.Connection[tuple[object, ...]]) -> Snapshot:
    """Schema, revision and data in one consistent view (a repeatable-read transaction)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        lines = sorted(str(r[0]) for q in SNAPSHOT_QUERIES for r in conn.execute(q).fetchall())
        lines = [line for line in lines if not _BOOKKEEPING.search(line)]
        return Snapshot(revision=alembic_revision(conn), schema_lines=lines, tables=table_data(conn))


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
