"""`migration-test` logic: three alembic steps on a throwaway database, each timed and reported, the
schema compared, and the throwaway always removed (the real alembic run is in test_pg_tools.py)."""

from __future__ import annotations

import sys

import pytest

from infra.ops.safety.errors import SafetyError
from infra.ops.safety.migration_test import migration_test
from tests.support.safety import Harness

ARGS = ["-c", "tests/fixtures/alembic_sample/alembic.ini"]


def test_migration_test__three_steps_on_a_throwaway_branch(harness: Harness) -> None:
    harness.database.schemas = [["table public.books"], ["table public.books"]]
    result = migration_test(harness.ctx, "staging", ARGS)
    assert result.ok
    assert [c.argv for c in harness.runner.calls] == [
        [sys.executable, "-m", "alembic", *ARGS, "upgrade", "head"],
        [sys.executable, "-m", "alembic", *ARGS, "downgrade", "-1"],
        [sys.executable, "-m", "alembic", *ARGS, "upgrade", "head"],
    ]
    urls = {c.env["DATABASE_URL"] for c in harness.runner.calls}
    assert len(urls) == 1
    assert urls != {harness.staging.outputs.database_url.get_secret_value()}
    assert [(s.name, s.revision) for s in result.steps] == [
        ("upgrade head", "0003"),
        ("downgrade -1", "0002"),
        ("upgrade head", "0003"),
    ]
    assert result.database.startswith("branch migration-test/")
    assert result.cleaned_up
    assert harness.branch_names() == ["main"]
    assert result.lines()[-1] == "result: PASSED"


def test_migration_test__a_schema_difference_fails_with_the_diff(harness: Harness) -> None:
    harness.database.schemas = [
        ["column public.books.isbn character varying(17)"],
        ["column public.books.isbn character varying(17)", "column public.books.isbn_old character varying(17)"],
    ]
    result = migration_test(harness.ctx, "staging", ARGS)
    assert not result.ok
    assert result.schema_diff == [
        "--- after upgrade 1",
        "+++ after upgrade 2",
        "@@ -1,0 +2 @@",
        "+column public.books.isbn_old character varying(17)",
    ]
    assert "a downgrade does not reverse its upgrade" in result.problems[0]
    assert harness.branch_names() == ["main"]


def test_migration_test__a_failing_step_stops_and_cleans_up(harness: Harness) -> None:
    harness.runner.codes = [0, 2]
    result = migration_test(harness.ctx, "staging", ARGS)
    assert not result.ok
    assert [(s.name, s.exit_code) for s in result.steps] == [("upgrade head", 0), ("downgrade -1", 2)]
    assert result.problems == ["step 2 (alembic downgrade -1) failed with exit code 2"]
    assert len(harness.runner.calls) == 2
    assert harness.branch_names() == ["main"]
    assert "FAILED (exit 2)" in "\n".join(result.lines())


def test_migration_test__revisions_must_round_trip(harness: Harness) -> None:
    harness.database.revisions = ["0003", "0003", "0003"]
    result = migration_test(harness.ctx, "staging", ARGS)
    assert result.problems == ["downgrade -1 left the revision at 0003"]


def test_migration_test__ctrl_c_still_deletes_the_branch(harness: Harness) -> None:
    harness.runner.interrupt_on_call = 2
    with pytest.raises(KeyboardInterrupt):
        migration_test(harness.ctx, "staging", ARGS)
    assert harness.branch_names() == ["main"]


def test_migration_test__a_database_error_still_deletes_the_branch(harness: Harness) -> None:
    harness.database.fail_with = SafetyError("cannot connect to workshelf: boom")
    with pytest.raises(SafetyError, match="boom"):
        migration_test(harness.ctx, "staging", ARGS)
    assert harness.branch_names() == ["main"]


def test_migration_test__dev_uses_a_scratch_database_and_drops_it(harness: Harness) -> None:
    dev_url = "postgresql://workshelf:devpassword123@127.0.0.1:55432/workshelf"
    from pydantic import SecretStr

    harness.ctx.outputs = lambda _stack: harness.staging.outputs.model_copy(
        update={"environment": "dev", "database_url": SecretStr(dev_url), "neon_project_id": None}
    )
    result = migration_test(harness.ctx, "dev", ARGS)
    assert result.ok
    assert harness.database.scratch == harness.database.dropped == ["migration_test_0123abcd"]
    assert {c.env["DATABASE_URL"] for c in harness.runner.calls} == {
        "postgresql://workshelf:devpassword123@127.0.0.1:55432/migration_test_0123abcd"
    }
    assert result.database == "scratch database migration_test_0123abcd"
    assert "devpassword123" not in harness.reporter.text
    assert harness.branch_names() == ["main"]  # no Neon call made
