"""The console: literal text, the single error handler, masking, SIGTERM, and the exit-code table."""

from __future__ import annotations

import os
import re
import signal

import pytest
import typer
from typer.testing import CliRunner

from infra.cli import app as real_app
from infra.cli.console import ConsoleGroup, ConsoleReporter, NotConfirmedError, results, step
from infra.errors import ExitCode, WorkshelfError
from tests.support.pulumi_project import REPO

MARKUP = ["[/x]", "[bold red]x[/]", "[link=https://evil.example]click[/link]", ":x: [red]"]

app = typer.Typer(cls=ConsoleGroup)
cleaned_up: list[str] = []


@app.command("fail")
def fail_command(message: str, hint: str = "", code: int = 1) -> None:
    raise WorkshelfError(message, hint=hint, exit_code=code)


@app.command("bug")
def bug_command() -> None:
    raise ValueError("not an expected error")


@app.command("talk")
def talk_command(text: str) -> None:
    reporter = ConsoleReporter()
    reporter.step(text)
    reporter.note(text)
    reporter.output(text)
    with reporter.working(text):
        pass
    results([text])


@app.command("terminated")
def terminated_command() -> None:
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pause()  # never reached: the handler raises at once
    finally:
        cleaned_up.append("finally ran")


@app.command("refuse")
def refuse_command() -> None:
    raise NotConfirmedError("restore cancelled")


def invoke(*args: str, target: typer.Typer = app) -> tuple[int, str, str]:
    result = CliRunner().invoke(target, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("text", MARKUP)
def test_user_text_is_printed_literally(text: str) -> None:
    code, stdout, stderr = invoke("talk", text)
    assert code == 0, stderr
    assert stdout == f"{text}\n"
    assert stderr == f"==> {text}\n{text}\n  | {text}\n"


@pytest.mark.parametrize("text", MARKUP)
def test_an_expected_error_is_one_literal_line_and_its_hint(text: str) -> None:
    code, stdout, stderr = invoke("fail", f"Neon refused to create branch {text}", "--hint", f"rename {text}")
    assert (code, stdout) == (1, "")
    assert stderr == f"error: Neon refused to create branch {text}\n  hint: rename {text}\n"


def test_the_error_decides_the_exit_code() -> None:
    assert invoke("fail", "blocked", "--code", "3")[0] == 3
    assert invoke("refuse") == (1, "", "error: restore cancelled\n")


def test_errors_are_masked() -> None:
    code, _stdout, stderr = invoke("fail", "cannot connect to postgresql://app:s3cret-pw@db.example:5432/app")
    assert code == 1
    assert stderr == "error: cannot connect to postgresql://app:****@db.example:5432/app\n"


def test_an_unexpected_error_is_not_swallowed() -> None:
    result = CliRunner().invoke(app, ["bug"])
    assert isinstance(result.exception, ValueError)  # a bug shows as one; only WorkshelfError is expected


def test_sigterm_is_an_interrupt_that_runs_cleanups_and_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned_up.clear()
    code, _stdout, _stderr = invoke("terminated")
    assert code == ExitCode.INTERRUPTED
    assert cleaned_up == ["finally ran"]
    assert signal.getsignal(signal.SIGTERM) == before


def test_step_outside_a_command_is_literal(capsys: pytest.CaptureFixture[str]) -> None:
    step("[bold red]x[/]")
    assert capsys.readouterr().err == "==> [bold red]x[/]\n"


def test_every_real_command_runs_inside_the_handler() -> None:
    # A refusal raised inside the command (dev is no Neon stack): one error, exit 1.
    code, stdout, stderr = invoke("restore-drill", "--stack", "dev", target=real_app)
    assert (code, stdout) == (1, "")
    assert stderr.startswith("error: `restore-drill` works on Neon stacks")
    assert "Traceback" not in stderr
    # An unknown stack is now refused while parsing: a usage error, one line, exit 2.
    code, stdout, stderr = invoke("restore-drill", "--stack", "no-such-stack", target=real_app)
    assert (code, stdout) == (2, "")
    assert stderr == (
        "error: Invalid value for '--stack' / '-s': 'no-such-stack' is not a stack; the stacks are dev, staging, "
        "production\n"
    )


def test_the_readme_lists_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\d+)` \| (.+?) \|$", table, re.MULTILINE))
    assert sorted(map(int, rows)) == sorted(code.value for code in ExitCode)
