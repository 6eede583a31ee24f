"""`migrate`: backup first, DATABASE_URL only in the child's environment, the restore command on
failure; `--dry-run-on-branch` on a branch that is always deleted."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest

from infra.masking import uri_password
from infra.ops.neon.errors import NeonStackError
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.migrate import dry_run_on_branch, migrate
from tests.support.followup import WORKSHELF
from tests.support.safety import Harness

ALEMBIC = ["alembic", "upgrade", "head"]


def echo_url(argv: Sequence[str], env: Mapping[str, str], emit: Callable[[str], None]) -> None:
    emit(f"connecting to {env['DATABASE_URL']}")  # a careless migration tool
    emit(f"password={uri_password_of(env)}")


def uri_password_of(env: Mapping[str, str]) -> str:
    from pydantic import SecretStr

    return uri_password(SecretStr(env["DATABASE_URL"]))


def test_migrate__backs_up_first_then_runs_with_the_stacks_url(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEON_API_KEY", "must-not-reach-the-child")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "nor-this-one")
    result = migrate(harness.ctx, "staging", ALEMBIC)
    assert result.ok
    [call] = harness.runner.calls
    assert call.argv == ALEMBIC
    assert call.env["DATABASE_URL"] == harness.staging.outputs.database_url.get_secret_value()
    assert "NEON_API_KEY" not in call.env
    assert "PULUMI_CONFIG_PASSPHRASE" not in call.env
    assert result.backup is not None
    assert result.backup.name in harness.branch_names()
    assert result.lines()[0].startswith("migration on staging succeeded in ")
    assert not any("to undo" in line for line in result.lines())


def test_migrate__failure_prints_the_exact_restore_command(harness: Harness) -> None:
    harness.runner.codes = [3]
    result = migrate(harness.ctx, "staging", ALEMBIC)
    assert not result.ok
    assert result.exit_code == 3
    assert result.backup is not None
    assert result.lines()[-1] == (
        "to undo whatever the failed migration changed, run: "
        f"{WORKSHELF} restore --stack staging --from-branch {result.backup.branch_id} --yes"
    )


def test_migrate__never_prints_the_database_url(harness: Harness) -> None:
    harness.runner.script = echo_url
    migrate(harness.ctx, "staging", [*ALEMBIC, "--url-in-args-is-masked-too"])
    password = uri_password(harness.staging.outputs.database_url)
    assert len(password) >= 8
    text = harness.reporter.text
    assert password not in text
    assert harness.staging.outputs.database_url.get_secret_value() not in text
    assert "| connecting to postgresql://workshelf_owner:****@" in text
    assert "| password=****" in text


def test_migrate__no_backup_no_migration(harness: Harness) -> None:
    from infra.neon import models

    with harness.neon() as neon:
        for n in range(9):
            neon.create_branch(harness.staging.project_id, models.BranchCreate(name=f"f-{n}"))
    with pytest.raises(NeonStackError, match="staging has 10 of the 10 branches the launch plan allows"):
        migrate(harness.ctx, "staging", ALEMBIC)
    assert harness.runner.calls == []


def test_migrate__needs_a_command(harness: Harness) -> None:
    with pytest.raises(SafetyError, match="no migration command: give it after --"):
        migrate(harness.ctx, "staging", [])
    assert harness.branch_names() == ["main"]


def test_migrate__refuses_dev(harness: Harness) -> None:
    with pytest.raises(NeonStackError, match="`migrate` works on Neon stacks"):
        migrate(harness.ctx, "dev", ALEMBIC)


@pytest.mark.parametrize("code", [0, 1])
def test_dry_run__runs_on_a_fresh_branch_and_deletes_it(harness: Harness, code: int) -> None:
    harness.runner.codes = [code]
    harness.runner.script = echo_url
    result = dry_run_on_branch(harness.ctx, "staging", ALEMBIC)
    assert result.exit_code == code
    assert result.dry_run_branch_deleted is True
    [call] = harness.runner.calls
    stack_url = harness.staging.outputs.database_url.get_secret_value()
    assert call.env["DATABASE_URL"] != stack_url
    assert harness.branch_names() == ["main"]  # no backup either: the default branch is not touched
    assert uri_password_of(call.env) not in harness.reporter.text
    assert result.lines()[1] == "staging's default branch was not touched"


def test_dry_run__branch_is_deleted_on_ctrl_c(harness: Harness) -> None:
    harness.runner.interrupt_on_call = 1
    with pytest.raises(KeyboardInterrupt):
        dry_run_on_branch(harness.ctx, "staging", ALEMBIC)
    assert harness.branch_names() == ["main"]


def test_dry_run__the_branch_expires_even_if_we_are_killed(harness: Harness) -> None:
    seen: list[str] = []

    def look(argv: Sequence[str], env: Mapping[str, str], emit: Callable[[str], None]) -> None:
        seen.extend(f"{b.name} {b.expires_at is not None}" for b in harness.branches() if b.name != "main")

    harness.runner.script = look
    dry_run_on_branch(harness.ctx, "staging", ALEMBIC)
    assert len(seen) == 1
    assert seen[0].startswith("migrate-dry-run/")
    assert seen[0].endswith(" True")
