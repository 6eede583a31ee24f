"""Against a real PostgreSQL: the schema fingerprint, checks, scratch databases, and `migration-test`
on the dev path (its scratch database) running the real alembic on the sample projects."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from infra.config import settings_from_stack_file
from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.context import MigrationContext
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.migration_test import migration_test
from infra.ops.neon.target import StackOutputs
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import PostgresTools
from infra.ops.safety.runner import SubprocessRunner
from tests.support.migrations import SAMPLE, SAMPLE_BROKEN
from tests.support.postgres import PgClusterHandle
from tests.support.pulumi_project import REPO
from tests.support.reporter import RecordingReporter

pytestmark = pytest.mark.e2e


class DevDatabase:
    """A role with CREATEDB and its own database, like the dev stack's."""

    def __init__(self, pg: PgClusterHandle) -> None:
        self.pg = pg
        self.role = f"safety_dev_{secrets.token_hex(3)}"
        self.password = secrets.token_urlsafe(16)
        self.url = SecretStr(pg.dsn(user=self.role, password=self.password, database=self.role))

    def databases(self) -> set[str]:
        with psycopg.connect(self.pg.admin_dsn) as conn:
            return {str(r[0]) for r in conn.execute("SELECT datname FROM pg_database").fetchall()}

    def admin(self, statement: str) -> None:
        with psycopg.connect(self.pg.admin_dsn, autocommit=True) as conn:
            conn.execute(statement.encode())

    def run(self, *statements: str) -> None:
        with psycopg.connect(self.url.get_secret_value(), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())


@pytest.fixture(scope="module")
def dev_db(pg_cluster: PgClusterHandle) -> Iterator[DevDatabase]:
    db = DevDatabase(pg_cluster)
    db.admin(f"CREATE ROLE {db.role} LOGIN CREATEDB PASSWORD '{db.password}'")
    db.admin(f"CREATE DATABASE {db.role} OWNER {db.role}")
    yield db
    db.admin(f"DROP DATABASE IF EXISTS {db.role} WITH (FORCE)")
    db.admin(f"DROP ROLE IF EXISTS {db.role}")


@pytest.fixture
def scratch(dev_db: DevDatabase) -> Iterator[SecretStr]:
    with PostgresTools().scratch_database(dev_db.url, "unit") as url:
        yield url


def test_schema__fingerprints_objects_and_diffs_them(dev_db: DevDatabase, scratch: SecretStr) -> None:
    tools = PostgresTools()
    with psycopg.connect(scratch.get_secret_value(), autocommit=True) as conn:
        conn.execute("CREATE TYPE mood AS ENUM ('ok', 'meh')")
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, m mood NOT NULL DEFAULT 'ok', n text)")
        conn.execute("CREATE INDEX t_n ON t (n)")
        conn.execute("CREATE VIEW v AS SELECT id FROM t")
    before = tools.schema(scratch)
    assert "relation r public.t" in before
    assert "column public.t.m mood not null default 'ok'::mood" in before
    assert "constraint public.t t_pkey PRIMARY KEY (id)" in before
    assert "index CREATE INDEX t_n ON public.t USING btree (n)" in before
    assert "type public.mood enum('ok','meh')" in before
    assert any(line.startswith("view public.v ") for line in before)
    with psycopg.connect(scratch.get_secret_value(), autocommit=True) as conn:
        conn.execute("ALTER TABLE t DROP COLUMN n")
        conn.execute("ALTER TABLE t ADD COLUMN n text")  # dropped and re-added: the same schema
        conn.execute("CREATE INDEX t_n ON t (n)")
    assert tools.schema(scratch) == before
    with psycopg.connect(scratch.get_secret_value(), autocommit=True) as conn:
        conn.execute("ALTER TABLE t ALTER COLUMN n SET NOT NULL")
    assert "column public.t.n text not null" in tools.schema(scratch)


def test_checks_run_read_only_and_render_values(dev_db: DevDatabase, scratch: SecretStr) -> None:
    tools = PostgresTools()
    with psycopg.connect(scratch.get_secret_value(), autocommit=True) as conn:
        conn.execute("CREATE TABLE books (id int PRIMARY KEY, title text, price numeric(6,2), ok bool)")
        conn.execute("INSERT INTO books VALUES (1, 'Dune', 9.50, true), (2, NULL, 10.00, false)")
    values = tools.query_values(
        scratch,
        [
            "SELECT count(*) FROM books",
            "SELECT title FROM books WHERE id = 2",
            "SELECT price FROM books ORDER BY id",
            "SELECT ok FROM books WHERE id = 1",
            "SELECT 1 WHERE false",
            "INSERT INTO books VALUES (3, 'x', 1, true) RETURNING id",
            "SELECT * FROM missing",
        ],
    )
    assert [(v.value, v.rows) for v in values[:5]] == [("2", 1), ("null", 1), ("9.50", 2), ("true", 1), (None, 0)]
    assert values[5].error is not None
    assert "read-only transaction" in values[5].error
    assert values[6].error == 'relation "missing" does not exist'
    assert [(t.table, t.rows) for t in tools.table_counts(scratch)] == [("public.books", 2)]
    assert tools.revision(scratch) is None


def test_scratch_database__dropped_even_on_error(dev_db: DevDatabase) -> None:
    seen: list[str] = []

    def fail_inside() -> None:
        with PostgresTools().scratch_database(dev_db.url, "boom") as url:
            seen.append(url.get_secret_value().rsplit("/", 1)[1])
            assert seen[0] in dev_db.databases()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_inside()
    assert seen
    assert seen[0] not in dev_db.databases()


def test_scratch_database__needs_createdb(dev_db: DevDatabase) -> None:
    dev_db.admin(f"ALTER ROLE {dev_db.role} NOCREATEDB")
    try:
        with pytest.raises(SafetyError) as caught, PostgresTools().scratch_database(dev_db.url, "nope"):
            pass
        assert "permission denied to create database" in caught.value.message
        assert "CREATEDB" in caught.value.hint
    finally:
        dev_db.admin(f"ALTER ROLE {dev_db.role} CREATEDB")


def dev_context(dev_db: DevDatabase, reporter: RecordingReporter, tmp_path: Path) -> MigrationContext:
    outputs = StackOutputs(
        environment="dev", database_url=dev_db.url, host="127.0.0.1", database=dev_db.role, role=dev_db.role
    )

    def no_neon() -> None:
        raise AssertionError("the dev path must not call Neon")

    return MigrationContext(
        settings=lambda stack: settings_from_stack_file(REPO, stack),
        outputs=lambda _stack: outputs,
        neon=no_neon,  # type: ignore[arg-type]
        reporter=reporter,
        runner=SubprocessRunner(),
        database=PostgresTools(),
        report_dir=tmp_path,
        cwd=tmp_path,
    )


def alembic(ctx: MigrationContext, project: Path) -> AlembicCommand:
    return ctx.alembic([sys.executable, "-m", "alembic"], cwd=project)


def test_migration_test__sample_project_round_trips_on_dev(dev_db: DevDatabase, tmp_path: Path) -> None:
    reporter = RecordingReporter()
    before = dev_db.databases()
    ctx = dev_context(dev_db, reporter, tmp_path)
    result = migration_test(ctx, "dev", alembic(ctx, SAMPLE))
    assert result.ok, "\n".join(result.lines()) + reporter.text
    assert [[(s.command, s.exit_code, s.revision) for s in t.steps] for t in result.report.trips] == [
        [("upgrade 0001", 0, "0001"), ("downgrade base", 0, None), ("upgrade 0001", 0, "0001")],
        [("upgrade 0002", 0, "0002"), ("downgrade 0001", 0, "0001"), ("upgrade 0002", 0, "0002")],
        [("upgrade 0003", 0, "0003"), ("downgrade 0002", 0, "0002"), ("upgrade 0003", 0, "0003")],
    ]
    assert all(s.seconds > 0 for t in result.report.trips for s in t.steps)
    assert "| INFO  [alembic.runtime.migration] Running upgrade 0002 -> 0003, ISBNs, unique when present." in (
        reporter.text
    )
    assert dev_db.databases() == before  # the scratch database is gone
    assert dev_db.password not in reporter.text + "\n".join(result.lines())


def test_migration_test__broken_downgrade_is_caught_by_the_schema_diff(dev_db: DevDatabase, tmp_path: Path) -> None:
    reporter = RecordingReporter()
    before = dev_db.databases()
    ctx = dev_context(dev_db, reporter, tmp_path)
    result = migration_test(ctx, "dev", alembic(ctx, SAMPLE_BROKEN))
    broken = result.report.trips[1]
    assert [s.exit_code for s in broken.steps] == [0, 0, 0]  # every step "works"
    assert not result.ok
    assert [p.kind for p in broken.problems] == ["schema", "schema"]
    assert broken.schema_diff[:2] == ["--- before the upgrade", "+++ after the downgrade"]
    assert [line for line in broken.schema_diff if line.startswith(("+", "-")) and line[1] not in "+-"] == [
        "+column public.books.isbn_old character varying(17)",
        "+column public.books.isbn_old character varying(17)",
    ]
    assert dev_db.databases() == before


def test_migration_test__failing_alembic_stops_before_any_scratch_database(dev_db: DevDatabase, tmp_path: Path) -> None:
    reporter = RecordingReporter()
    before = dev_db.databases()
    ctx = dev_context(dev_db, reporter, tmp_path)
    with pytest.raises(MigrationError, match="reading the migration history failed"):
        migration_test(ctx, "dev", alembic(ctx, tmp_path))
    assert dev_db.databases() == before
