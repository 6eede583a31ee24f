"""The restore-drill check file format and how results are compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.ops.safety.checks import NO_ROWS, SAMPLE_CHECK_FILE, load_checks, matches, outcome, parse_checks
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import QueryValue
from tests.support.pulumi_project import REPO

SAMPLE = """\
-- Checks for the books catalogue.
-- name: three books
SELECT count(*)
  FROM books;
-- expect: 3

SELECT title FROM books ORDER BY id LIMIT 1;
-- expect: Dune
-- name: growing catalogue
SELECT count(*) FROM authors;  -- at least the seed
-- expect: >= 2
"""


def test_parse_checks__queries_expectations_and_names() -> None:
    checks = parse_checks(SAMPLE, "sample.sql")
    assert [(c.name, c.query, c.expect, c.line) for c in checks] == [
        ("three books", "SELECT count(*)\n  FROM books", "3", 3),
        ("check 2", "SELECT title FROM books ORDER BY id LIMIT 1", "Dune", 7),
        ("growing catalogue", "SELECT count(*) FROM authors;  -- at least the seed", ">= 2", 10),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- expect: 1\n", "sample.sql:1: `-- expect:` with no query before it"),
        ("SELECT 1;\n-- expect:\n", "sample.sql:2: `-- expect:` needs a value"),
        ("SELECT 1;\n-- expect: 1\nSELECT 2;\n", "sample.sql:3: the last query has no `-- expect:` line"),
        ("-- only comments\n\n", "sample.sql: no checks found"),
    ],
)
def test_parse_checks__refuses_malformed_files(text: str, message: str) -> None:
    with pytest.raises(SafetyError) as caught:
        parse_checks(text, "sample.sql")
    assert message in caught.value.message


def test_load_checks__missing_file(tmp_path: Path) -> None:
    with pytest.raises(SafetyError, match="cannot read the check file"):
        load_checks(tmp_path / "nope.sql")


@pytest.mark.parametrize(
    ("expect", "actual", "ok"),
    [
        ("3", "3", True),
        ("3", "4", False),
        ("Dune", "Dune", True),
        ("dune", "Dune", False),
        (">= 2", "2", True),
        (">= 2", "1", False),
        ("> 2", "2.5", True),
        ("< 10", "9", True),
        ("<= 1", "2", False),
        ("!= 0", "0", False),
        ("<> 0", "1", True),
        ("= 1.0", "1", True),
        ("= Dune", "Dune", True),
        ("!= Dune", "Arrakis", True),
        (">= 2", "many", False),
        ("true", "true", True),
        ("null", "null", True),
    ],
)
def test_matches(expect: str, actual: str, ok: bool) -> None:
    assert matches(expect, actual) is ok


def test_outcome__no_rows_and_errors() -> None:
    check = parse_checks("SELECT 1 WHERE false;\n-- expect: (no rows)\n")[0]
    assert outcome(check, QueryValue(value=None, rows=0)).ok
    assert outcome(check, QueryValue(value=None, rows=0)).actual == NO_ROWS
    failed = outcome(check, QueryValue(error='relation "books" does not exist'))
    assert not failed.ok
    assert failed.error == 'relation "books" does not exist'


def test_the_shipped_sample_check_file_parses() -> None:
    checks = load_checks(REPO / SAMPLE_CHECK_FILE)
    assert [(c.name, c.expect) for c in checks] == [
        ("the copy has the application's tables", ">= 1"),
        ("the schema is at one Alembic revision (migrations run through `migrate`)", "= 1"),
        ("the copy accepts no writes (checks run read-only)", "on"),
    ]
    assert f"--check {SAMPLE_CHECK_FILE}" in (REPO / "RUNBOOK.md").read_text()
