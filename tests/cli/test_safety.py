"""The typer commands: results on stdout, progress and errors on stderr, exit codes, confirmations."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from infra.cli import app
from neon_emulator import NeonBackend
from tests.support.followup import WORKSHELF
from tests.support.safety import Harness


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_backup_branch__prints_id_and_restore_command(cli: Harness) -> None:
    code, stdout, stderr = invoke("backup-branch", "--stack", "staging", "--expires-in", "12h")
    assert code == 0, stderr
    [backup] = [b for b in cli.branches() if b.name != "main"]
    assert stdout.splitlines()[0].startswith(f"backup branch: {backup.name} ({backup.id}) of ")
    assert stdout.splitlines()[1] == (
        f"to restore the staging default branch from it: "
        f"{WORKSHELF} restore --stack staging --from-branch {backup.id} --yes"
    )
    assert "==> creating backup branch" in stderr


@pytest.mark.parametrize("name", ["backup/[/x]", "backup/[bold red]x[/]"])
def test_backup_branch__names_are_printed_literally_never_as_markup(cli: Harness, name: str) -> None:
    code, stdout, stderr = invoke("backup-branch", "--stack", "staging", "--name", name)
    assert code == 0, stderr
    [backup] = [b for b in cli.branches() if b.name != "main"]
    assert backup.name == name
    assert stdout.splitlines()[0].startswith(f"backup branch: {name} ({backup.id}) of ")
    assert f"==> creating backup branch {name} of staging's default branch\n" in stderr
    # Neon's refusal quotes the name back: printed as Neon wrote it, with our hint.
    code, stdout, stderr = invoke("backup-branch", "--stack", "staging", "--name", name)
    assert (code, stdout) == (1, "")
    [error, hint] = stderr.splitlines()[-2:]
    assert error.startswith(f"error: Neon refused to create backup branch {name}: ")
    assert hint == "  hint: choose another --name"
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires-in", "soon"], "'soon' is not a duration"),
        (["--at", "2026-01-01 10:00"], "has no time zone"),
    ],
)
def test_backup_branch__bad_values_are_usage_errors(cli: Harness, args: list[str], message: str) -> None:
    code, _stdout, stderr = invoke("backup-branch", "--stack", "staging", *args)
    assert code == 2
    assert message in stderr
    assert cli.branch_names() == ["main"]


def test_refusals_are_one_line_errors_with_exit_code_1(cli: Harness) -> None:
    code, stdout, stderr = invoke("restore-drill", "--stack", "dev")
    assert (code, stdout) == (1, "")
    assert stderr.startswith("error: `restore-drill` works on Neon stacks (staging, production); dev is")
    assert "hint: for dev, run migrations directly" in stderr
    assert "Traceback" not in stderr


def test_missing_api_key(cli: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.neon import NeonClient

    monkeypatch.delenv("NEON_API_KEY", raising=False)
    cli.ctx.neon = NeonClient.from_env
    code, _stdout, stderr = invoke("backup-branch", "--stack", "staging")
    assert code == 1
    assert "error: NEON_API_KEY is not set" in stderr


def test_restore_drill__report_dir_option(cli: Harness, tmp_path_factory: pytest.TempPathFactory) -> None:
    where = tmp_path_factory.mktemp("elsewhere")
    code, stdout, stderr = invoke("restore-drill", "--stack", "staging", "--ago", "30m", "--report-dir", str(where))
    assert code == 0, stderr
    assert f"report: {where}/restore-drill-staging-" in stdout
    assert len(list(where.iterdir())) == 2


def test_restore__production_refuses_without_yes(cli: Harness, backend: NeonBackend) -> None:
    invoke("backup-branch", "--stack", "staging", "--name", "backup/b1")
    backend.log.clear()
    code, stdout, stderr = invoke("restore", "--stack", "production", "--from-branch", "backup/b1")
    assert code == 1
    assert stdout.startswith("restore plan for production")
    assert "error: not restoring without --yes (production): re-run the command with --yes" in stderr
    assert "POST /projects/{project_id}/branches/{branch_id}/restore" not in backend.request_counts()


def test_restore__staging_asks_when_interactive(
    cli: Harness, backend: NeonBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("backup-branch", "--stack", "staging", "--name", "backup/b1")
    monkeypatch.setattr("infra.cli.safety.interactive", lambda: True)
    code, _stdout, stderr = invoke("restore", "--stack", "staging", "--from-branch", "backup/b1", stdin="n\n")
    assert code == 1
    assert "restore cancelled" in stderr
    assert "POST /projects/{project_id}/branches/{branch_id}/restore" not in backend.request_counts()


def test_restore__staging_refuses_without_yes_when_nobody_can_answer(cli: Harness) -> None:
    invoke("backup-branch", "--stack", "staging", "--name", "backup/b1")
    code, _stdout, stderr = invoke("restore", "--stack", "staging", "--from-branch", "backup/b1")
    assert code == 1
    assert "error: not restoring without --yes (staging)" in stderr


def test_restore__with_yes(cli: Harness) -> None:
    invoke("backup-branch", "--stack", "staging", "--name", "backup/b1")
    code, stdout, stderr = invoke("restore", "--stack", "staging", "--from-branch", "backup/b1", "--yes")
    assert code == 0, stderr
    assert "previous state kept as backup/pre-restore-" in stdout
    assert f"to undo this restore: {WORKSHELF} restore --stack staging --from-branch br-" in stdout
