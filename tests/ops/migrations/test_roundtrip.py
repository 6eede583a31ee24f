"""migration-test's engine on a real PostgreSQL, driving the example application's Alembic in its own
virtualenv: up, down, up per revision; schema, row counts and column checksums compared."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.database import PostgresMigrationDatabase
from infra.ops.migrations.driver import Driver
from infra.ops.migrations.roundtrip import Exercise, RoundTripReport, round_trip
from infra.ops.migrations.scripts import ScriptHistory, read_revision_file
from tests.support.clock import FakeClock
from tests.support.migrations import SHELFAPP_URL_ENV, AppVenv, add_next_revision, write_revision

pytestmark = pytest.mark.e2e


def _prepare(venv: AppVenv, app_dir: Path, url: SecretStr) -> tuple[Exercise, list[str]]:
    """The database at a002 with three books, as a branch of staging's data would be."""
    command = AlembicCommand(argv=(str(venv.python), "-m", "alembic"), cwd=app_dir, url_env=SHELFAPP_URL_ENV)
    lines: list[str] = []
    masker = Masker()
    masker.add_uri(url)
    assert command.stream(["upgrade", "a002"], url, lines.append, masker) == 0, lines
    with psycopg.connect(url.get_secret_value(), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO books (id, title, pages, isbn) VALUES "
            "(1, 'Dune', 412, '9780441013593'), (2, 'The Dispossessed', 387, NULL), (3, 'Earthsea', NULL, NULL)"
        )
    exercise = Exercise(
        Driver(command, url, FakeClock(), masker, lines.append, lines.append), PostgresMigrationDatabase()
    )
    return exercise, lines


def _run(exercise: Exercise, app_dir: Path) -> RoundTripReport:
    history = ScriptHistory(read_revision_file(p) for p in (app_dir / "migrations" / "versions").glob("*.py"))
    return round_trip(exercise, "a002", history.pending(["a002"]))


def test_a_reversible_revision_passes_and_a_data_losing_downgrade_fails_naming_the_column(
    shelfapp_venv: AppVenv, shelfapp_dir: Path, scratch_db: SecretStr
) -> None:
    add_next_revision(shelfapp_dir, "a004_drop_pages.py")
    exercise, _ = _prepare(shelfapp_venv, shelfapp_dir, scratch_db)
    report = _run(exercise, shelfapp_dir)
    a003, a004 = report.trips
    assert [s.command for s in a003.steps] == ["upgrade a003", "downgrade a002", "upgrade a003"]
    assert [s.revision for s in a003.steps] == ["a003", "a002", "a003"]
    assert a003.problems == []
    assert [(p.kind, p.target, p.detail) for p in a004.problems] == [
        ("round-trip-data", "books.pages", "column public.books.pages lost or changed data after the downgrade")
    ]
    assert not report.ok


def test_an_irreversible_revision_is_upgraded_only(
    shelfapp_venv: AppVenv, shelfapp_dir: Path, scratch_db: SecretStr
) -> None:
    write_revision(
        shelfapp_dir, "a004", "a003", 'op.drop_column("books", "pages")', "pass", markers="irreversible = True"
    )
    exercise, _ = _prepare(shelfapp_venv, shelfapp_dir, scratch_db)
    report = _run(exercise, shelfapp_dir)
    a004 = report.trips[1]
    assert (a004.irreversible, [s.command for s in a004.steps], a004.problems) == (True, ["upgrade a004"], [])
    assert report.ok


def test_an_acknowledged_data_change_is_reported_not_failed(
    shelfapp_venv: AppVenv, shelfapp_dir: Path, scratch_db: SecretStr
) -> None:
    ack = (
        'acknowledge = [{"rule": "round-trip-data", "target": "books.pages", "reason": "page counts are re-imported"}]'
    )
    write_revision(
        shelfapp_dir,
        "a004",
        "a003",
        'op.drop_column("books", "pages")',
        'op.add_column("books", sa.Column("pages", sa.Integer))',
        markers=ack,
    )
    exercise, _ = _prepare(shelfapp_venv, shelfapp_dir, scratch_db)
    report = _run(exercise, shelfapp_dir)
    [problem] = report.trips[1].problems
    assert (problem.target, problem.acknowledged) == ("books.pages", "page counts are re-imported")
    assert report.ok


def test_rows_lost_by_a_downgrade_are_counted(
    shelfapp_venv: AppVenv, shelfapp_dir: Path, scratch_db: SecretStr
) -> None:
    write_revision(
        shelfapp_dir,
        "a004",
        "a003",
        "op.execute(\"UPDATE books SET isbn = 'none' WHERE isbn IS NULL\")",
        "op.execute(\"DELETE FROM books WHERE isbn = 'none'\")",
    )
    exercise, _ = _prepare(shelfapp_venv, shelfapp_dir, scratch_db)
    problems = _run(exercise, shelfapp_dir).trips[1].problems
    assert [(p.kind, p.target) for p in problems] == [
        ("round-trip-rows", "books"),
        ("round-trip-data", "books.id"),
        ("round-trip-data", "books.title"),
        ("round-trip-data", "books.pages"),
        ("round-trip-rows", "books"),
        ("round-trip-data", "books.id"),
        ("round-trip-data", "books.title"),
        ("round-trip-data", "books.pages"),
        ("round-trip-data", "books.isbn"),
    ]
    assert problems[0].detail == "public.books had 3 rows, 1 after the downgrade"


def test_a_downgrade_that_does_not_reverse_the_schema(
    shelfapp_venv: AppVenv, shelfapp_dir: Path, scratch_db: SecretStr
) -> None:
    write_revision(shelfapp_dir, "a004", "a003", 'op.alter_column("books", "isbn", type_=sa.String(20))', "pass")
    exercise, _ = _prepare(shelfapp_venv, shelfapp_dir, scratch_db)
    a004 = _run(exercise, shelfapp_dir).trips[1]
    assert [p.kind for p in a004.problems] == ["schema"]
    assert a004.schema_diff == [
        "--- before the upgrade",
        "+++ after the downgrade",
        "@@ -2 +2 @@",
        "-column public.books.isbn text",
        "+column public.books.isbn character varying(20)",
    ]


def test_a_failing_step_stops_the_test(shelfapp_venv: AppVenv, shelfapp_dir: Path, scratch_db: SecretStr) -> None:
    write_revision(shelfapp_dir, "a004", "a003", 'op.execute("SELECT 1")', 'raise RuntimeError("no way back")')
    write_revision(shelfapp_dir, "a005", "a004", 'op.execute("SELECT 1")', "pass")
    exercise, lines = _prepare(shelfapp_venv, shelfapp_dir, scratch_db)
    report = _run(exercise, shelfapp_dir)
    assert [t.revision for t in report.trips] == ["a003", "a004"]
    [failed] = report.trips[1].problems
    assert (failed.kind, failed.detail) == ("step-failed", "alembic downgrade a003 exited with 1")
    assert any("RuntimeError: no way back" in line for line in lines)
