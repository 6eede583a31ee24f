"""Fixtures for the migration commands (tests/ops/migrations, tests/cli), registered in tests/conftest.py.

`migrations`: the unit tier of the commands (the data-safety harness with a fake migration database
that follows the fake runner's alembic calls). `catalogue`: the Alembic project under
tests/fixtures/migration_catalogue, run with this repository's Python (its env.py needs only Alembic).
`shelfapp_venv`, `shelfapp_dir`: the example application, installed into a virtualenv of its own
(offline: its dependencies come from ours through a .pth file, the application itself is
pip-installed from its directory), and a copy of its repository per test.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.context import MigrationContext
from infra.ops.migrations.contract import ContractPolicy, LogRow
from infra.ops.migrations.database import DatabaseState
from infra.ops.migrations.fingerprint import Snapshot, TableData
from infra.ops.migrations.log import LogEntry
from tests.support.postgres import PgClusterHandle
from tests.support.safety import Harness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CATALOGUE = FIXTURES / "migration_catalogue"
SHELFAPP = FIXTURES / "example_app"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SHELFAPP_URL_ENV = "SHELFAPP_DATABASE_URL"


def policy(log: Sequence[LogRow] | None = (), *, days: int = 14, stack: str = "production") -> ContractPolicy:
    """None: the stack's log was not read (`--from` without a deployed stack)."""
    return ContractPolicy(stack=stack, drop_after=timedelta(days=days), now=NOW, log=log)


def applied(revision: str, days_ago: float, direction: str = "up", outcome: str = "ok") -> LogRow:
    return LogRow.model_validate(
        {"revision": revision, "direction": direction, "applied_at": NOW - timedelta(days=days_ago), "outcome": outcome}
    )


@pytest.fixture
def catalogue() -> AlembicCommand:
    return AlembicCommand(argv=(sys.executable, "-m", "alembic"), cwd=CATALOGUE)


@dataclass(frozen=True)
class AppVenv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def bin(self) -> Path:
        return self.root / "bin"


@pytest.fixture(scope="session")
def shelfapp_venv(tmp_path_factory: pytest.TempPathFactory) -> AppVenv:
    root = tmp_path_factory.mktemp("shelfapp") / "venv"
    venv.EnvBuilder(with_pip=True).create(root)
    site = Path(
        subprocess.run(
            [str(root / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Alembic, SQLAlchemy, psycopg and the build backend come from our pinned virtualenv (offline).
    (site / "workshelf-test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            str(root / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            str(SHELFAPP),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return AppVenv(root)


@pytest.fixture
def shelfapp_dir(tmp_path: Path) -> Path:
    """A copy of the application's repository (tests add the `next/` revisions to it)."""
    target = tmp_path / "shelfapp"
    shutil.copytree(SHELFAPP, target, ignore=shutil.ignore_patterns("src", "*.egg-info", "__pycache__"))
    return target


def add_next_revision(app_dir: Path, name: str) -> Path:
    return Path(shutil.copy(app_dir / "next" / name, app_dir / "migrations" / "versions" / name))


@pytest.fixture
def scratch_db(pg_cluster: PgClusterHandle) -> Iterator[SecretStr]:
    """A new empty database on the test cluster, dropped afterwards."""
    name = f"mig_{secrets.token_hex(4)}"
    with psycopg.connect(pg_cluster.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield SecretStr(pg_cluster.dsn(user=pg_cluster.superuser, password=pg_cluster.password, database=name))
    with psycopg.connect(pg_cluster.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def write_revision(app_dir: Path, revision: str, down: str, upgrade: str, downgrade: str, *, markers: str = "") -> Path:
    """A revision file in the application's versions directory."""
    path = app_dir / "migrations" / "versions" / f"{revision}.py"
    path.write_text(
        f'"""Test revision {revision}."""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f"revision = {revision!r}\ndown_revision = {down!r}\n{markers}\n\n"
        f"def upgrade() -> None:\n    {upgrade}\n\n\ndef downgrade() -> None:\n    {downgrade}\n"
    )
    return path


# -- unit tier of the commands: the emulator in process, a fake runner, a fake database ----------
SAMPLE = FIXTURES / "alembic_sample"
SAMPLE_BROKEN = FIXTURES / "alembic_sample_broken"


@dataclass
class FakeMigrationDatabase:
    """The migration database of the unit tier. Its revision follows the alembic commands the fake
    runner is given (`upgrade X`, `downgrade Y`); `on_step` hooks change its tables, as a real
    upgrade or a lossy downgrade would."""

    applied: tuple[str, ...] = ()
    log: tuple[LogRow, ...] = ()
    revision: str | None = None
    schema_lines: list[str] = field(default_factory=lambda: ["table public.books"])
    tables: dict[str, TableData] = field(
        default_factory=lambda: {"public.books": TableData(rows=3, columns={"id": "3:17", "pages": "2:99"})}
    )
    on_step: dict[str, Callable[[FakeMigrationDatabase], None]] = field(default_factory=dict)
    recorded: list[LogEntry] = field(default_factory=list)
    seeded: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def state(self, url: SecretStr) -> DatabaseState:
        self.urls.append(url.get_secret_value())
        return DatabaseState(applied=self.applied, log=self.log)

    def record(self, url: SecretStr, entries: Sequence[LogEntry]) -> None:
        self.urls.append(url.get_secret_value())
        self.recorded.extend(entries)

    def snapshot(self, url: SecretStr) -> Snapshot:
        self.urls.append(url.get_secret_value())
        return Snapshot(revision=self.revision, schema_lines=list(self.schema_lines), tables=dict(self.tables))

    def run_sql(self, url: SecretStr, text: str, *, source: str) -> None:
        self.urls.append(url.get_secret_value())
        self.seeded.append(f"{source}: {text}")

    def alembic(self, argv: Sequence[str], env: Mapping[str, str], emit: Callable[[str], None]) -> None:
        """The fake runner's script: move the revision, run the step's hook."""
        verb, target = argv[-2:]
        self.revision = None if target == "base" else target
        emit(f"INFO  [alembic.runtime.migration] Running {verb} -> {target}")
        hook = self.on_step.get(f"{verb} {target}")
        if hook is not None:
            hook(self)


@dataclass
class Migrations:
    harness: Harness
    ctx: MigrationContext
    db: FakeMigrationDatabase

    def command(self, project: Path = SAMPLE) -> AlembicCommand:
        return self.ctx.alembic([sys.executable, "-m", "alembic"], cwd=project)


def migrations_of(harness: Harness) -> Migrations:
    """The data-safety harness as a migration context, with a fake migration database."""
    db = FakeMigrationDatabase()
    harness.runner.script = db.alembic
    base = harness.ctx
    ctx = MigrationContext(**{f.name: getattr(base, f.name) for f in fields(base)}, migrations=db)
    return Migrations(harness, ctx, db)


@pytest.fixture
def migrations(harness: Harness) -> Migrations:
    return migrations_of(harness)
