"""`migration-test` logic: every pending revision upgraded, downgraded one step and upgraded again on a
throwaway database, compared each time, reported, and the throwaway always removed. The steps go
through the fake runner; the real round trip on PostgreSQL is in test_roundtrip.py and test_e2e.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.fingerprint import TableData
from infra.ops.migrations.migration_test import migration_test
from infra.ops.safety.errors import SafetyError
from tests.support.migrations import CATALOGUE, FakeMigrationDatabase, Migrations

PY = [sys.executable, "-m", "alembic"]
ROUND_TRIPS = [
    ("upgrade", "0001"), ("downgrade", "base"), ("upgrade", "0001"),
    ("upgrade", "0002"), ("downgrade", "0001"), ("upgrade", "0002"),
    ("upgrade", "0003"), ("downgrade", "0002"), ("upgrade", "0003"),
]  # fmt: skip


@pytest.fixture
def at_base(migrations: Migrations) -> Migrations:
    migrations.harness.database.revisions = [None]
    return migrations


def test_migration_test__three_steps_per_revision_on_a_throwaway_branch(at_base: Migrations) -> None:
    h = at_base.harness
    result = migration_test(at_base.ctx, "staging", at_base.command())
    assert result.ok
    assert [tuple(c.argv[-2:]) for c in h.runner.calls] == ROUND_TRIPS
    assert all(c.argv[:3] == PY for c in h.runner.calls)
    urls = {c.env["DATABASE_URL"] for c in h.runner.calls}
    assert len(urls) == 1
    assert urls != {h.staging.outputs.database_url.get_secret_value()}
    assert [[s.revision for s in t.steps] for t in result.report.trips] == [
        ["0001", None, "0001"], ["0002", "0001", "0002"], ["0003", "0002", "0003"]
    ]  # fmt: skip
    assert result.database.startswith("branch migration-test/")
    assert result.place == "a throwaway branch of staging's data"
    assert result.cleaned_up
    assert h.branch_names() == ["main"]
    assert result.lines()[-1] == "result: PASSED"


def test_migration_test__a_schema_difference_fails_with_the_diff(at_base: Migrations) -> None:
    def keep_old_column(db: FakeMigrationDatabase) -> None:
        db.schema_lines = [*db.schema_lines, "column public.books.isbn_old character varying(17)"]

    at_base.db.on_step["downgrade 0002"] = keep_old_column
    result = migration_test(at_base.ctx, "staging", at_base.command())
    assert not result.ok
    trip = result.report.trips[2]
    assert [p.kind for p in trip.problems] == ["schema", "schema"]  # after the downgrade, and after the upgrade
    assert trip.schema_diff[:4] == [
        "--- before the upgrade",
        "+++ after the downgrade",
        "@@ -1,0 +2 @@",
        "+column public.books.isbn_old character varying(17)",
    ]
    assert at_base.harness.branch_names() == ["main"]


def test_migration_test__data_lost_by_a_round_trip_names_the_column(at_base: Migrations) -> None:
    def lose_pages(db: FakeMigrationDatabase) -> None:
        db.tables = {"public.books": TableData(rows=3, columns={"id": "3:17", "pages": "0:0"})}

    at_base.db.on_step["downgrade 0002"] = lose_pages
    result = migration_test(at_base.ctx, "staging", at_base.command())
    assert not result.ok
    assert (
        "  FAILED round-trip-data books.pages: column public.books.pages lost or changed data after the downgrade"
        in (result.lines())
    )


def test_migration_test__a_failing_step_stops_and_cleans_up(at_base: Migrations) -> None:
    h = at_base.harness
    h.runner.codes = [0, 2]
    result = migration_test(at_base.ctx, "staging", at_base.command())
    assert not result.ok
    [trip] = result.report.trips
    assert [(s.command, s.exit_code) for s in trip.steps] == [("upgrade 0001", 0), ("downgrade base", 2)]
    assert [p.detail for p in trip.problems] == ["alembic downgrade base exited with 2"]
    assert len(h.runner.calls) == 2
    assert h.branch_names() == ["main"]
    assert "FAILED (exit 2)" in "\n".join(result.lines())


def test_migration_test__revisions_must_round_trip(at_base: Migrations) -> None:
    def stay(db: FakeMigrationDatabase) -> None:
        db.revision = "0001"

    at_base.db.on_step["downgrade base"] = stay
    result = migration_test(at_base.ctx, "staging", at_base.command())
    assert [p.detail for p in result.report.trips[0].problems] == ["revision is 0001 after the downgrade, not base"]


def test_migration_test__an_irreversible_revision_is_upgraded_only(migrations: Migrations) -> None:
    migrations.harness.database.revisions = ["c27"]
    result = migration_test(migrations.ctx, "staging", migrations.command(CATALOGUE))
    c28 = result.report.trips[0]
    assert (c28.revision, c28.irreversible, [s.command for s in c28.steps]) == ("c28", True, ["upgrade c28"])
    assert result.lines()[3] == "  irreversible (marked): upgraded, not round-tripped"


def test_migration_test__ctrl_c_still_deletes_the_branch(at_base: Migrations) -> None:
    at_base.harness.runner.interrupt_on_call = 2
    with pytest.raises(KeyboardInterrupt):
        migration_test(at_base.ctx, "staging", at_base.command())
    assert at_base.harness.branch_names() == ["main"]


def test_migration_test__a_database_error_still_deletes_the_branch(at_base: Migrations) -> None:
    at_base.harness.database.fail_with = SafetyError("cannot connect to workshelf: boom")
    with pytest.raises(SafetyError, match="boom"):
        migration_test(at_base.ctx, "staging", at_base.command())
    assert at_base.harness.branch_names() == ["main"]


def test_migration_test__seed_is_for_dev_only(at_base: Migrations, tmp_path: Path) -> None:
    seed = tmp_path / "seed.sql"
    seed.write_text("INSERT INTO books (id, title) VALUES (1, 'Dune');\n")
    with pytest.raises(MigrationError, match="--seed is for dev's scratch database"):
        migration_test(at_base.ctx, "staging", at_base.command(), seed=seed)
    assert at_base.harness.branch_names() == ["main"]


def test_migration_test__dev_uses_a_seeded_scratch_database_at_devs_revision(
    migrations: Migrations, tmp_path: Path
) -> None:
    h = migrations.harness
    dev_url = "postgresql://workshelf:devpassword123@127.0.0.1:55432/workshelf"
    h.ctx.outputs = migrations.ctx.outputs = lambda _stack: h.staging.outputs.model_copy(
        update={"environment": "dev", "database_url": SecretStr(dev_url), "neon_project_id": None}
    )
    migrations.db.applied = ("0001",)
    h.database.revisions = ["0001"]
    seed = tmp_path / "seed.sql"
    rows = "INSERT INTO books (id, author_id, title) VALUES (1, 1, 'Dune');\n"
    seed.write_text(rows)
    result = migration_test(migrations.ctx, "dev", migrations.command(), seed=seed)
    assert result.ok
    assert h.database.scratch == h.database.dropped == ["migration_test_0123abcd"]
    scratch_url = "postgresql://workshelf:devpassword123@127.0.0.1:55432/migration_test_0123abcd"
    assert {c.env["DATABASE_URL"] for c in h.runner.calls} == {scratch_url}
    assert [tuple(c.argv[-2:]) for c in h.runner.calls] == [("upgrade", "0001"), *ROUND_TRIPS[3:]]
    assert migrations.db.seeded == [f"--seed {seed}: " + rows]
    assert result.database == "scratch database migration_test_0123abcd"
    assert "devpassword123" not in h.reporter.text
    assert h.branch_names() == ["main"]  # no Neon call made
