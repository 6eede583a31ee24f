"""`workshelf_infra`: the schema in a stack's own database where our commands record what they did
(releases; the migration log), so that the record travels with the data: a branch, a backup or a restore
carries the records of the data it holds. Each table's module owns its DDL; the schema is made here."""

from __future__ import annotations

from typing import Final

import psycopg

SCHEMA: Final = "workshelf_infra"


def ensure_schema(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Create the schema if missing (idempotent; safe on every run, and concurrent runs)."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS workshelf_infra")


def table_exists(conn: psycopg.Connection[tuple[object, ...]], table: str) -> bool:
    """Whether `workshelf_infra.<table>` exists: no table yet means nothing was ever recorded."""
    found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.{table}",)).fetchone()
    return bool(found and found[0])
