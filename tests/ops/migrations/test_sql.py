"""Splitting Alembic's offline rendering per revision, and what pglast sees in each statement."""

from __future__ import annotations

import pytest

from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.sqlsplit import split_rendered
from infra.ops.migrations.statements import Fact, own_findings, parse_statements, targets_for

FROM_BASE = """BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL
);

-- Running upgrade  -> 0001

CREATE TABLE books (id SERIAL NOT NULL, pages INTEGER);

INSERT INTO alembic_version (version_num) VALUES ('0001') RETURNING alembic_version.version_num;

-- Running upgrade 0001 -> 0002

ALTER TABLE books DROP COLUMN pages;

COMMIT;

CREATE INDEX CONCURRENTLY ix ON books (id);

BEGIN;

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';

COMMIT;
"""

PER_MIGRATION = """BEGIN;

-- Running upgrade 0001 -> 0002

ALTER TABLE books ADD COLUMN isbn TEXT;

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';

COMMIT;

BEGIN;

-- Running upgrade 0002 -> 0003

COMMIT;

CREATE INDEX CONCURRENTLY ix_isbn ON books (isbn);

BEGIN;

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0002';

COMMIT;
"""


def test_split_from_base_leaves_alembic_bookkeeping_out_and_keeps_autocommit_blocks() -> None:
    first, second = split_rendered(FROM_BASE)
    assert first.revision == "0001"
    assert first.sql.splitlines() == [
        "BEGIN;",
        "CREATE TABLE books (id SERIAL NOT NULL, pages INTEGER);",
        "",
        "INSERT INTO alembic_version (version_num) VALUES ('0001') RETURNING alembic_version.version_num;",
        "COMMIT;",
    ]
    assert second.revision == "0002"
    assert second.sql.splitlines() == [
        "BEGIN;",
        "ALTER TABLE books DROP COLUMN pages;",
        "",
        "COMMIT;",
        "",
        "CREATE INDEX CONCURRENTLY ix ON books (id);",
        "",
        "BEGIN;",
        "",
        "UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';",
        "COMMIT;",
    ]


def test_split_with_a_transaction_per_migration() -> None:
    first, second = split_rendered(PER_MIGRATION)
    assert (first.revision, second.revision) == ("0002", "0003")
    assert first.sql.count("BEGIN;") == first.sql.count("COMMIT;") == 1
    # The autocommit block opens the revision: its COMMIT is kept, so CONCURRENTLY runs outside a transaction.
    assert second.sql.splitlines()[:4] == [
        "BEGIN;",
        "COMMIT;",
        "",
        "CREATE INDEX CONCURRENTLY ix_isbn ON books (isbn);",
    ]


def test_split_without_transactions_adds_none() -> None:
    [only] = split_rendered("-- Running upgrade  -> 0001\n\nCREATE TABLE t (id int);\n")
    assert only.sql == "CREATE TABLE t (id int);\n"


def test_statements_know_their_lines_and_targets() -> None:
    sql = (
        "BEGIN;\nALTER TABLE public.books\n  DROP COLUMN pages,\n  ALTER COLUMN title TYPE text;\n"
        "ALTER TABLE books ADD COLUMN a int NOT NULL DEFAULT 0, ADD COLUMN b int NOT NULL;\n"
        "ALTER TABLE s.books RENAME COLUMN title TO name;\nDROP INDEX CONCURRENTLY s.ix, ix2;\nCOMMIT;\n"
    )
    begin, alter, add, rename, drop, commit = parse_statements(sql, "revision r")
    assert (alter.first_line, alter.last_line) == (1, 3)
    assert alter.one_line == "ALTER TABLE public.books DROP COLUMN pages, ALTER COLUMN title TYPE text"
    assert alter.facts == (Fact("drop-column", "books.pages"), Fact("alter-type", "books.title"))
    assert targets_for("adding-required-field", add) == ["books.b"]
    assert targets_for("renaming-column", rename) == ["s.books.title"]
    assert drop.facts == (
        Fact("drop-index", "s.ix", frozenset({"concurrently"})),
        Fact("drop-index", "ix2", frozenset({"concurrently"})),
    )
    assert (begin.facts, commit.facts) == ((), ())
    assert targets_for("transaction-nesting", commit) == [""]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("TRUNCATE books, authors CASCADE", [("ban-truncate", "books"), ("ban-truncate", "authors")]),
        ("DELETE FROM books", [("ban-unqualified-delete", "books")]),
        ("DELETE FROM books WHERE id = 1", []),
        ("UPDATE s.books SET pages = 1", [("ban-unqualified-update", "s.books")]),
        ("UPDATE books SET pages = 1 WHERE pages IS NULL", []),
        ("UPDATE alembic_version SET version_num='2' WHERE alembic_version.version_num = '1'", []),
    ],
)
def test_what_squawk_misses(sql: str, expected: list[tuple[str, str]]) -> None:
    [statement] = parse_statements(sql, "revision r")
    assert own_findings(statement) == expected


def test_sql_that_does_not_parse_cannot_be_linted() -> None:
    with pytest.raises(MigrationError) as caught:
        parse_statements("SELECT 1;\nALTER TABL books;\n", "revision r7")
    assert (
        caught.value.message
        == 'revision r7: its SQL does not parse (line 2 of its SQL): syntax error at or near "TABL"'
    )
