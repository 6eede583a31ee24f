"""The three migration rules end to end: `python -m infra ...` against the emulator server (a real
PostgreSQL behind its databases), the production stack deployed by the Pulumi CLI, and the example
application's Alembic run from the application's own virtualenv (`--cwd`, `--url-env`).

The tests share one world and run in file order:
  1. migrate production: a001..a003 applied (a003 deprecates books.pages), one log row each;
  2. a004 drops books.pages: the lint and `migrate` refuse it, and say when it becomes allowed;
  3. migration-test on a branch of production's data: a004's downgrade loses books.pages' data;
  4. 15 days later (the test moves a003's applied_at back): the drop is allowed and migrated.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from infra.neon import NeonClient
from neon_emulator import PostgresBacking
from tests.support.migrations import SHELFAPP, SHELFAPP_URL_ENV, AppVenv, add_next_revision
from tests.support.neon_world import E2E_API_KEY, NeonWorld, start_world
from tests.support.postgres import PgClusterHandle
from tests.support.pulumi_project import REPO, TEST_PASSPHRASE, CommandRun

pytestmark = pytest.mark.e2e


@dataclass
class MigrationWorld(NeonWorld):
    app: Path = Path()
    venv: AppVenv | None = None
    runs: list[CommandRun] = field(default_factory=list)
    url: str = ""

    def cli(self, command: str, *args: str) -> CommandRun:
        """`python -m infra COMMAND --stack production ... -- <the app's python> -m alembic`."""
        assert self.venv is not None
        argv = [
            str(REPO / ".venv" / "bin" / "python"),
            "-m",
            "infra",
            command,
            "--stack",
            "production",
            "--cwd",
            str(self.app),
            "--url-env",
            SHELFAPP_URL_ENV,
            *args,
            "--",
            str(self.venv.python),
            "-m",
            "alembic",
        ]
        env = {**self.project.env, "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE, "COLUMNS": "200"}
        done = subprocess.run(
            argv,
            cwd=self.project.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        run = CommandRun(argv, done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return list(conn.execute(sql.encode()).fetchall())

    def branch_names(self) -> list[str]:
        project_id = str(self.project.outputs("production")["neon_project_id"])
        with NeonClient(E2E_API_KEY, self.server.base_url) as neon:
            return sorted(b.name for b in neon.list_branches(project_id))


@pytest.fixture(scope="module")
def world(
    pg_cluster: PgClusterHandle, tmp_path_factory: pytest.TempPathFactory, shelfapp_venv: AppVenv
) -> Iterator[MigrationWorld]:
    base = tmp_path_factory.mktemp("migration-world")
    backend, server, project = start_world(base, plan="scale", postgres=PostgresBacking(pg_cluster.admin_dsn))
    try:
        project.init("production")
        project.up("production")
        app = base / "shelfapp"
        shutil.copytree(SHELFAPP, app, ignore=shutil.ignore_patterns("src"))
        world = MigrationWorld(backend, server, project, app=app, venv=shelfapp_venv)
        world.url = str(project.outputs("production", secrets=True)["database_url"])
        yield world
    finally:
        server.stop()
        backend.reset()


def test_1_migrate_applies_each_revision_and_logs_it(world: MigrationWorld) -> None:
    run = world.cli("migrate")
    assert run.returncode == 0, run.output
    assert re.search(r"backup branch: backup/pre-migrate-\d{8}T\d{6}Z", run.stdout), run.stdout
    assert world.query("SELECT version_num FROM alembic_version") == [("a003",)]
    rows = world.query("SELECT revision, direction, outcome, command FROM workshelf_infra.migration_log ORDER BY id")
    assert [r[:3] for r in rows] == [("a001", "up", "ok"), ("a002", "up", "ok"), ("a003", "up", "ok")]
    assert rows[0][3] == f"{world.venv.python if world.venv else ''} -m alembic upgrade a001"
    world.query("INSERT INTO books (id, title, pages) VALUES (1, 'Dune', 412), (2, 'Earthsea', 183) RETURNING id")


def test_2_the_drop_is_refused_before_14_days(world: MigrationWorld) -> None:
    add_next_revision(world.app, "a004_drop_pages.py")
    lint = world.cli("migration-lint", "-o", "json")
    assert lint.returncode == 8, lint.output
    [finding] = json.loads(lint.stdout)["findings"]
    assert (finding["revision"], finding["rule"], finding["severity"], finding["target"]) == (
        "a004",
        "ban-drop-column",
        "blocking",
        "books.pages",
    )
    applied_at = world.query("SELECT applied_at FROM workshelf_infra.migration_log WHERE revision = 'a003'")[0][0]
    assert isinstance(applied_at, datetime)
    allowed = (applied_at + timedelta(days=14)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert finding["note"].endswith(f"(0 days ago): the drop becomes allowed on {allowed}")

    branches = world.branch_names()
    refused = world.cli("migrate")
    assert refused.returncode == 8, refused.output
    assert "migrate refused: 1 blocking finding" in refused.stderr
    assert f"the drop becomes allowed on {allowed}" in refused.stdout
    assert world.query("SELECT version_num FROM alembic_version") == [("a003",)]
    assert world.branch_names() == branches  # no backup branch: nothing was going to run


def test_3_a_data_losing_downgrade_fails_migration_test_naming_the_column(world: MigrationWorld) -> None:
    run = world.cli("migration-test")
    assert run.returncode == 1, run.output
    assert "FAILED round-trip-data books.pages: column public.books.pages lost or changed data after the downgrade" in (
        run.stdout
    )
    assert run.stdout.rstrip().endswith("result: FAILED")
    assert not [n for n in world.branch_names() if n.startswith("migration-test/")]
    assert world.query("SELECT count(*) FROM books WHERE pages IS NOT NULL") == [(2,)]  # production untouched


def test_4_after_14_days_the_drop_is_allowed_and_migrated(world: MigrationWorld) -> None:
    world.query(
        "UPDATE workshelf_infra.migration_log SET applied_at = applied_at - interval '15 days' "
        "WHERE revision = 'a003' RETURNING id"
    )
    lint = world.cli("migration-lint")
    assert lint.returncode == 0, lint.output
    assert "allowed  ban-drop-column  books.pages" in lint.stdout
    assert "(15 days ago), at least 14 days: expand/contract satisfied" in lint.stdout
    run = world.cli("migrate")
    assert run.returncode == 0, run.output
    assert world.query("SELECT version_num FROM alembic_version") == [("a004",)]
    assert world.query(
        "SELECT revision, outcome, backup_branch LIKE 'backup/pre-migrate-%' FROM workshelf_infra.migration_log "
        "WHERE revision = 'a004'"
    ) == [("a004", "ok", True)]


def test_5_no_secret_in_any_output(world: MigrationWorld) -> None:
    password = world.url.split(":")[2].split("@")[0]
    assert len(password) >= 8
    for run in world.runs:
        assert password not in run.output
        assert E2E_API_KEY not in run.output
