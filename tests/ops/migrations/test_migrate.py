"""`migrate`: the lint first (a blocking finding refuses, before any branch is made), then the backup,
then each pending revision with the stack's URL in the child's environment only, one migration_log
entry each, the restore command on failure; `--dry-run-on-branch` on a branch that is always deleted.

Alembic really runs for the lint (offline, on tests/fixtures/alembic_sample); the upgrades go through
the fake runner, whose fake database follows the revisions it is given."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

import pytest
from pydantic import SecretStr

from infra.masking import uri_password
from infra.neon import models
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.migrate import dry_run_on_branch, migrate
from infra.ops.neon.errors import NeonStackError
from tests.support.followup import WORKSHELF
from tests.support.migrations import CATALOGUE, Migrations

PY = [sys.executable, "-m", "alembic"]


def echo_url(argv: Sequence[str], env: Mapping[str, str], emit: Callable[[str], None]) -> None:
    emit(f"connecting to {env['DATABASE_URL']}")  # a careless migration tool
    emit(f"password={uri_password(SecretStr(env['DATABASE_URL']))}")


def test_migrate__backs_up_first_then_applies_each_revision_with_the_stacks_url(
    migrations: Migrations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEON_API_KEY", "must-not-reach-the-child")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "nor-this-one")
    monkeypatch.setenv("GITHUB_SHA", "5e678a6c0ffee")
    h = migrations.harness
    result = migrate(migrations.ctx, "staging", migrations.command())
    assert result.ok
    assert [c.argv for c in h.runner.calls] == [[*PY, "upgrade", r] for r in ("0001", "0002", "0003")]
    for call in h.runner.calls:
        assert call.env["DATABASE_URL"] == h.staging.outputs.database_url.get_secret_value()
        assert "NEON_API_KEY" not in call.env
        assert "PULUMI_CONFIG_PASSPHRASE" not in call.env
    assert result.backup is not None
    assert result.backup.name in h.branch_names()
    assert [(e.revision, e.outcome, e.git_sha, e.backup_branch) for e in migrations.db.recorded] == [
        (r, "ok", "5e678a6c0ffee", result.backup.name) for r in ("0001", "0002", "0003")
    ]
    assert result.lines()[:2] == [
        "migration on staging succeeded in 0.0s; applied: 0001, 0002, 0003",
        "each revision is recorded in workshelf_infra.migration_log",
    ]
    assert not any("to undo" in line for line in result.lines())


def test_migrate__starts_after_the_applied_revision(migrations: Migrations) -> None:
    migrations.db.applied = ("0002",)
    result = migrate(migrations.ctx, "staging", migrations.command())
    assert [c.argv[-1] for c in migrations.harness.runner.calls] == ["0003"]
    assert [e.revision for e in result.applied] == ["0003"]


def test_migrate__nothing_pending_runs_nothing_and_makes_no_backup(migrations: Migrations) -> None:
    migrations.db.applied = ("0003",)
    result = migrate(migrations.ctx, "staging", migrations.command())
    assert result.ok
    assert result.lines() == ["nothing to migrate: staging is at 0003, the latest revision"]
    assert migrations.harness.runner.calls == []
    assert migrations.harness.branch_names() == ["main"]


def test_migrate__failure_stops_records_and_prints_the_exact_restore_command(migrations: Migrations) -> None:
    h = migrations.harness
    h.runner.codes = [0, 3]
    result = migrate(migrations.ctx, "staging", migrations.command())
    assert not result.ok
    assert result.exit_code == 3
    assert [(e.revision, e.outcome) for e in migrations.db.recorded] == [("0001", "ok"), ("0002", "failed")]
    assert migrations.db.recorded[1].error == "exit 3: INFO  [alembic.runtime.migration] Running upgrade -> 0002"
    assert result.backup is not None
    assert result.lines()[0].startswith("migration on staging FAILED at 0002 (exit 3")
    assert result.lines()[-1] == (
        "to undo whatever the failed migration changed, run: "
        f"{WORKSHELF} restore --stack staging --from-branch {result.backup.branch_id} --yes"
    )


def test_migrate__never_prints_the_database_url(migrations: Migrations) -> None:
    h = migrations.harness
    h.runner.script = echo_url
    migrate(migrations.ctx, "staging", migrations.command())
    password = uri_password(h.staging.outputs.database_url)
    assert len(password) >= 8
    text = h.reporter.text
    assert password not in text
    assert h.staging.outputs.database_url.get_secret_value() not in text
    assert "| connecting to postgresql://workshelf_owner:****@" in text
    assert "| password=****" in text
    assert all(password not in e.command + (e.error or "") for e in migrations.db.recorded)


def test_migrate__a_blocking_finding_refuses_before_any_branch(migrations: Migrations) -> None:
    migrations.db.applied = ("c04",)
    result = migrate(migrations.ctx, "staging", migrations.command(CATALOGUE))
    assert result.refused
    assert result.exit_code == 8
    assert result.lint.count("blocking") == 16
    assert result.lines()[0] == "migration-lint: 27 pending revision(s) after staging's applied revision c04"
    assert migrations.harness.runner.calls == []
    assert migrations.harness.branch_names() == ["main"]
    assert migrations.db.recorded == []


def test_migrate__no_backup_no_migration(migrations: Migrations) -> None:
    h = migrations.harness
    with h.neon() as neon:
        for n in range(9):
            neon.create_branch(h.staging.project_id, models.BranchCreate(name=f"f-{n}"))
    with pytest.raises(NeonStackError, match="staging has 10 of the 10 branches the launch plan allows"):
        migrate(migrations.ctx, "staging", migrations.command())
    assert h.runner.calls == []


def test_migrate__needs_the_alembic_command(migrations: Migrations) -> None:
    with pytest.raises(MigrationError, match="no Alembic command: give how your application runs Alembic after --"):
        migrations.ctx.alembic([])
    with pytest.raises(MigrationError, match="without a subcommand"):
        migrations.ctx.alembic(["alembic", "upgrade", "head"])
    assert migrations.harness.branch_names() == ["main"]


def test_migrate__refuses_dev(migrations: Migrations) -> None:
    with pytest.raises(NeonStackError, match="`migrate` works on Neon stacks"):
        migrate(migrations.ctx, "dev", migrations.command())


@pytest.mark.parametrize("code", [0, 1])
def test_dry_run__applies_on_a_fresh_branch_and_deletes_it(migrations: Migrations, code: int) -> None:
    h = migrations.harness
    h.runner.codes = [code]
    h.runner.script = echo_url
    result = dry_run_on_branch(migrations.ctx, "staging", migrations.command())
    assert result.exit_code == code
    assert result.dry_run_branch_deleted is True
    stack_url = h.staging.outputs.database_url.get_secret_value()
    assert {c.env["DATABASE_URL"] for c in h.runner.calls} != {stack_url}
    assert len(h.runner.calls) == (3 if code == 0 else 1)
    assert h.branch_names() == ["main"]  # no backup either: the default branch is not touched
    assert uri_password(SecretStr(h.runner.calls[0].env["DATABASE_URL"])) not in h.reporter.text
    assert result.lines()[1] == "staging's default branch was not touched"
    assert migrations.db.recorded == []  # the branch is gone: nothing to record


def test_dry_run__branch_is_deleted_on_ctrl_c(migrations: Migrations) -> None:
    migrations.harness.runner.interrupt_on_call = 1
    with pytest.raises(KeyboardInterrupt):
        dry_run_on_branch(migrations.ctx, "staging", migrations.command())
    assert migrations.harness.branch_names() == ["main"]


def test_dry_run__the_branch_expires_even_if_we_are_killed(migrations: Migrations) -> None:
    h = migrations.harness
    seen: list[str] = []

    def look(argv: Sequence[str], env: Mapping[str, str], emit: Callable[[str], None]) -> None:
        seen.extend(f"{b.name} {b.expires_at is not None}" for b in h.branches() if b.name != "main")

    h.runner.script = look
    dry_run_on_branch(migrations.ctx, "staging", migrations.command())
    assert len(seen) == 3
    assert seen[0].startswith("migrate-dry-run/")
    assert seen[0].endswith(" True")
