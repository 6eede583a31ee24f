"""`migration-test --stack dev` end to end: the real dev stack (native PostgreSQL, deployed by the
Pulumi CLI), the real alembic on the sample projects, and a scratch database that is always dropped."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from infra.devdb.engine import ENGINE_ENV
from infra.localpg import find_binaries
from tests.support.ports import pick_free_port
from tests.support.pulumi_project import DEV_PASSPHRASE, REPO, CommandRun, PulumiProject, require_pulumi
from tests.support.safety import python

pytestmark = pytest.mark.e2e

SAMPLE = REPO / "tests" / "fixtures" / "alembic_sample"
BROKEN = REPO / "tests" / "fixtures" / "alembic_sample_broken"


@pytest.fixture(scope="module")
def dev_project() -> Iterator[PulumiProject]:
    require_pulumi()
    if find_binaries() is None:
        pytest.skip("no PostgreSQL server binaries (CI installs them: apt-get install postgresql)")
    # Not pytest's tmp_path (as in tests/support/postgres.py): pytest re-tightens its base directory to
    # 0700, and the server runs as another user when we are root.
    base = Path(tempfile.mkdtemp(prefix="workshelf-safety-dev-"))
    project = PulumiProject.create(base, {ENGINE_ENV: "native"})
    # `python -m infra` reads the dev stack from the project's own local backend, as on a laptop.
    project.env["PULUMI_BACKEND_URL"] = f"file://{project.root / '.pulumi-state'}"
    (project.root / ".pulumi-state").mkdir()
    project.set_config("dev", "dev", "port", pick_free_port())
    project.init("dev")
    try:
        project.up("dev")
        yield project
    finally:
        project.run("destroy", "--yes", "--skip-preview", stack="dev")
        shutil.rmtree(base, ignore_errors=True)


def cli(project: PulumiProject, *args: str) -> CommandRun:
    argv = [python(), "-m", "infra", *args]
    env = {**project.env, "PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE}
    done = subprocess.run(argv, cwd=project.root, env=env, capture_output=True, text=True, timeout=300, check=False)
    return CommandRun(argv, done.returncode, done.stdout, done.stderr)


def databases(project: PulumiProject) -> set[str]:
    url = str(project.outputs("dev", secrets=True)["database_url"])
    with psycopg.connect(url) as conn:
        return {str(r[0]) for r in conn.execute("SELECT datname FROM pg_database").fetchall()}


def test_migration_test_on_dev__passes_and_drops_the_scratch_database(dev_project: PulumiProject) -> None:
    before = databases(dev_project)
    run = cli(dev_project, "migration-test", "--stack", "dev", "--cwd", str(SAMPLE), "--", python(), "-m", "alembic")
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("migration test on dev, scratch database migration_test_")
    assert lines[1] == "3 revision(s) tested after base"
    assert [re.sub(r"\d+\.\d\ds", "T", line) for line in lines[2::2][:3]] == [
        "0001  upgrade 0001 ok T · downgrade base ok T · upgrade 0001 ok T",
        "0002  upgrade 0002 ok T · downgrade 0001 ok T · upgrade 0002 ok T",
        "0003  upgrade 0003 ok T · downgrade 0002 ok T · upgrade 0003 ok T",
    ]
    assert lines[-1] == "result: PASSED"
    assert databases(dev_project) == before
    password = urlsplit(str(dev_project.outputs("dev", secrets=True)["database_url"])).password
    assert password
    assert password not in run.stdout + run.stderr


def test_migration_test_on_dev__broken_downgrade_fails_with_the_schema_diff(dev_project: PulumiProject) -> None:
    before = databases(dev_project)
    run = cli(dev_project, "migration-test", "--stack", "dev", "--cwd", str(BROKEN), "--", python(), "-m", "alembic")
    assert run.returncode == 1
    assert "    +column public.books.isbn_old character varying(17)" in run.stdout
    assert "  FAILED schema: the schema differs after the downgrade (see the diff)" in run.stdout
    assert databases(dev_project) == before


def test_neon_only_commands_refuse_dev(dev_project: PulumiProject) -> None:
    run = cli(dev_project, "migrate", "--stack", "dev", "--", "true")
    assert run.returncode == 1
    assert "error: `migrate` works on Neon stacks (staging, production); dev is a local PostgreSQL" in run.stderr
