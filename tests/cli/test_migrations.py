"""The migration commands through typer: results on stdout, progress and errors on stderr, exit codes
0/8/1, the options that say how the application's Alembic runs (--cwd, --url-env)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.cli.console import ConsoleReporter
from infra.masking import uri_password
from tests.support.followup import WORKSHELF
from tests.support.migrations import CATALOGUE, SAMPLE, Migrations

PY = [sys.executable, "-m", "alembic"]


@pytest.fixture
def cli(migrations: Migrations, monkeypatch: pytest.MonkeyPatch) -> Migrations:
    migrations.ctx.reporter = ConsoleReporter()
    monkeypatch.setattr("infra.cli.migrations.context", lambda: migrations.ctx)
    return migrations


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_migration_lint__from_base_needs_no_stack_and_exits_8_on_a_blocking_finding(cli: Migrations) -> None:
    code, stdout, stderr = invoke("migration-lint", "--stack", "production", "--from", "base", "-o", "json",
                                  "--cwd", str(CATALOGUE), "--", *PY)  # fmt: skip
    assert code == 8, stderr
    document = json.loads(stdout)
    assert (document["from"], len(document["revisions"]), document["exit_code"]) == ("base", 31, 8)
    assert cli.db.urls == []  # the stack's database was not read


def test_migration_lint__reads_the_applied_revision_and_exits_0(cli: Migrations, tmp_path: Path) -> None:
    cli.db.applied = ("c29",)
    markdown = tmp_path / "lint.md"
    code, stdout, stderr = invoke("migration-lint", "--stack", "staging", "--cwd", str(CATALOGUE),
                                  "--markdown", str(markdown), "-o", "github", "--", *PY)  # fmt: skip
    assert code == 8, stderr  # c31 drops reviews: c30's deprecation is not applied yet
    assert stdout.splitlines()[0].startswith("::error file=versions/c31_contract_drop_the_deprecated_reviews_table.py,")
    assert markdown.read_text().startswith("#### Migration lint — ⛔ blocked")
    cli.db.applied = ("c31",)
    code, stdout, stderr = invoke("migration-lint", "--stack", "staging", "--cwd", str(CATALOGUE), "--", *PY)
    assert code == 0
    assert stdout.splitlines() == [
        "migration-lint: 0 pending revision(s) after staging's applied revision c31",
        "result: 0 revision(s) after c31: 0 blocking, 0 acknowledged, 0 allowed, 0 warning -> ok",
    ]
    assert "==> reading staging's applied revision and migration log" in stderr


def test_migration_lint__could_not_run_is_exit_1_with_one_clear_error(cli: Migrations, tmp_path: Path) -> None:
    code, stdout, stderr = invoke("migration-lint", "--stack", "staging", "--from", "base", "--cwd", str(tmp_path),
                                  "--", *PY)  # fmt: skip
    assert (code, stdout) == (1, "")
    assert "error: reading the migration history failed: " in stderr
    assert "FAILED: No 'script_location' key found in configuration." in stderr
    assert "Traceback" not in stderr
    code, _stdout, stderr = invoke("migration-lint", "--stack", "staging", "--cwd", str(tmp_path / "nope"), "--", *PY)
    assert (code, stderr.strip()) == (1, f"error: --cwd {tmp_path / 'nope'}: no such directory")


def test_migrate__a_blocking_finding_exits_8_with_the_findings(cli: Migrations) -> None:
    cli.db.applied = ("c04",)
    code, stdout, stderr = invoke("migrate", "--stack", "staging", "--cwd", str(CATALOGUE), "--", *PY)
    assert code == 8
    assert "BLOCKING  ban-drop-column  books.format" in stdout
    assert "error: migrate refused: 16 blocking findings in the pending revisions (above)" in stderr
    assert "there is no --force" in stderr
    assert cli.harness.runner.calls == []
    assert cli.harness.branch_names() == ["main"]


def test_migrate__failure_exit_code_and_restore_command(cli: Migrations) -> None:
    def leak(argv: Sequence[str], env: Mapping[str, str], emit: Callable[[str], None]) -> None:
        emit("ERROR: relation already exists; url=" + env["DATABASE_URL"])

    h = cli.harness
    h.runner.codes, h.runner.script = [4], leak
    code, stdout, stderr = invoke("migrate", "--stack", "staging", "--cwd", str(SAMPLE), "--", *PY)
    assert code == 4
    assert h.runner.calls[0].argv == [*PY, "upgrade", "0001"]
    [backup] = [b for b in h.branches() if b.name != "main"]
    assert stdout.splitlines()[-1] == (
        "to undo whatever the failed migration changed, run: "
        f"{WORKSHELF} restore --stack staging --from-branch {backup.id} --yes"
    )
    assert "  | ERROR: relation already exists; url=postgresql://workshelf_owner:****@" in stderr
    assert uri_password(h.staging.outputs.database_url) not in stdout + stderr


def test_migrate__dry_run(cli: Migrations) -> None:
    code, stdout, stderr = invoke(
        "migrate", "--stack", "staging", "--dry-run-on-branch", "--cwd", str(SAMPLE), "--", *PY
    )
    assert code == 0, stderr
    assert stdout.startswith("dry run on branch migrate-dry-run/")
    assert cli.harness.branch_names() == ["main"]


def test_migrate__dry_run_refuses_backup_options(cli: Migrations) -> None:
    code, _stdout, stderr = invoke("migrate", "--stack", "staging", "--dry-run-on-branch", "--name", "x", "--", "true")
    assert code == 1
    assert "error: --name and --expires-in describe the backup branch, which a dry run does not make" in stderr
    assert cli.harness.runner.calls == []


def test_migration_test__exit_code_follows_the_result(cli: Migrations, tmp_path: Path) -> None:
    cli.harness.database.revisions = [None]

    def keep_old(db: object) -> None:
        cli.db.schema_lines = [*cli.db.schema_lines, "column public.books.isbn_old text"]

    cli.db.on_step["downgrade 0002"] = keep_old
    markdown = tmp_path / "test.md"
    code, stdout, _stderr = invoke("migration-test", "--stack", "staging", "--cwd", str(SAMPLE),
                                   "--markdown", str(markdown), "--", *PY)  # fmt: skip
    assert code == 1
    assert "    +column public.books.isbn_old text" in stdout
    assert markdown.read_text().splitlines()[0] == "#### Migration test — ❌ failed"
    assert "migration-test/" not in markdown.read_text()  # nothing that changes from run to run


def test_migration_test__json(cli: Migrations) -> None:
    cli.harness.database.revisions = ["0002"]
    code, stdout, stderr = invoke("migration-test", "--stack", "staging", "-o", "json", "--cwd", str(SAMPLE), "--", *PY)
    assert code == 0, stderr
    document = json.loads(stdout)
    assert (document["ok"], document["start"], [t["revision"] for t in document["trips"]]) == (True, "0002", ["0003"])
