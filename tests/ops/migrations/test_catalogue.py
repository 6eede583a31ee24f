"""The catalogue: 31 revisions, dangerous and safe, linted from base in one run, with the exact
findings expected of each (rule, severity, target). Rerun on every squawk-cli or pglast pin bump."""

from __future__ import annotations

import sys

import pytest

from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.findings import LintReport
from infra.ops.migrations.lint import LintRequest, lint
from tests.support.migrations import CATALOGUE, policy

# revision -> the findings expected, as (rule, severity, target). Empty: a safe migration.
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "c01": [],  # new tables; an index and a foreign key on a table created in the same revision
    "c02": [],  # a nullable column
    "c03": [("adding-required-field", "blocking", "books.isbn")],
    "c04": [],  # NOT NULL with a default (no rewrite since PostgreSQL 11)
    "c05": [("ban-drop-column", "blocking", "books.format")],
    "c06": [("renaming-column", "blocking", "books.title")],
    "c07": [("renaming-table", "blocking", "authors")],
    "c08": [("changing-column-type", "blocking", "books.pages")],
    "c09": [("adding-not-nullable-field", "blocking", "books.pages")],
    "c10": [("require-concurrent-index-creation", "blocking", "ix_books_isbn")],
    "c11": [],  # CREATE INDEX CONCURRENTLY in an autocommit_block
    "c12": [("require-concurrent-index-deletion", "blocking", "ix_books_isbn")],
    "c13": [],  # DROP INDEX CONCURRENTLY in an autocommit_block
    "c14": [
        ("adding-foreign-key-constraint", "blocking", "books.fk_books_editor"),
        ("constraint-missing-not-valid", "blocking", "books.fk_books_editor"),
    ],
    "c15": [],  # CHECK ... NOT VALID
    "c16": [],  # VALIDATE CONSTRAINT in its own revision
    "c17": [("constraint-missing-not-valid", "blocking", "books.ck_books_isbn_length")],
    "c18": [("ban-truncate", "blocking", "books")],
    "c19": [("ban-unqualified-delete", "blocking", "writers")],
    "c20": [("ban-unqualified-update", "blocking", "books")],
    "c21": [],  # UPDATE ... WHERE
    "c22": [],  # expand: deprecates books.legacy_code
    "c23": [("ban-drop-column", "blocking", "books.legacy_code")],  # contract, before c22 is applied
    "c24": [("ban-drop-table", "acknowledged", "audit_tmp")],
    "c25": [("renaming-column", "blocking", "books.name"), ("unused-acknowledgement", "warning", "books.titel")],
    "c26": [("ban-drop-column", "allowed", "books.scratch")],  # added in the same revision
    "c27": [],  # a new table with its foreign key and index
    "c28": [],  # irreversible data fix with a WHERE
    "c29": [("ban-drop-not-null", "warning", "books.isbn")],
    "c30": [],  # expand: deprecates the reviews table
    "c31": [("ban-drop-table", "blocking", "reviews")],  # contract, before c30 is applied
}


@pytest.fixture(scope="module")
def from_base() -> LintReport:
    command = AlembicCommand(argv=(sys.executable, "-m", "alembic"), cwd=CATALOGUE)
    return lint(LintRequest(command=command, applied=(), policy=policy()))


def _found(report: LintReport, revision: str) -> list[tuple[str, str, str]]:
    return sorted((f.rule, f.severity, f.target) for f in report.of(revision))


def test_catalogue_has_at_least_25_revisions(from_base: LintReport) -> None:
    assert [r.revision for r in from_base.revisions] == list(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("revision", list(EXPECTED))
def test_catalogue_findings(from_base: LintReport, revision: str) -> None:
    assert _found(from_base, revision) == sorted(EXPECTED[revision])


def test_catalogue_blocks_with_exit_8(from_base: LintReport) -> None:
    blocking = sum(1 for found in EXPECTED.values() for f in found if f[1] == "blocking")
    assert from_base.count("blocking") == blocking == 17
    assert from_base.exit_code == 8
