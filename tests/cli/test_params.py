# the tables: one bad input per line with the exact line it gets
"""Bad arguments and files never reach a traceback: each class of bad input gets its one exact line and
exit code, before any stack, state or API access; and a property test drives every command's options
with arbitrary text.

The commands' dependencies are replaced by a sentinel: reaching it means the arguments were accepted
(nothing real runs), so these tests touch no stack, no Neon and no database.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import WorkshelfError

ACCEPTED = 97  # the sentinel's exit code: the arguments parsed and the command body started


class Accepted(WorkshelfError):
    exit_code = ACCEPTED


def _accepted(*_args: Any, **_kwargs: Any) -> Any:
    raise Accepted("arguments accepted")


@pytest.fixture(autouse=True)
def sentinel(monkeypatch: pytest.MonkeyPatch) -> None:
    for target in (
        "infra.cli.safety.context",
        "infra.cli.onboard.deps",
        "infra.cli.prdiff.pr_diff",
        "infra.cli.prdiff.check_drift",
    ):
        monkeypatch.setattr(target, _accepted)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def usage(option: str, message: str) -> str:
    return f"error: Invalid value for '{option}': {message}\n"


STACK = "--stack' / '-s"
B300 = "b" * 300

# (class, argv, the exact stderr); all exit with code 2 before any work.
BAD_ARGUMENTS: list[tuple[str, list[str], str]] = [
    (
        "duration",
        ["backup-branch", "--stack", "staging", "--expires-in", "99999999999d"],
        usage("--expires-in", "'99999999999d' is too long: at most 36500d"),
    ),
    (
        "duration",
        ["backup-branch", "--stack", "staging", "--expires-in", "999d"],
        usage("--expires-in", "'999d' is longer than Neon keeps a branch that expires (30d)"),
    ),
    (
        "duration",
        ["backup-branch", "--stack", "staging", "--expires-in", "31d"],
        usage("--expires-in", "'31d' is longer than Neon keeps a branch that expires (30d)"),
    ),
    (
        "duration",
        ["backup-branch", "--stack", "staging", "--expires-in", "0d"],
        usage("--expires-in", "'0d' is not a positive duration"),
    ),
    (
        "duration",
        ["backup-branch", "--stack", "staging", "--expires-in", "-1d"],
        usage("--expires-in", "'-1d' is not a duration: use a number and a unit, e.g. 7d, 12h, 30m, 1h30m"),
    ),
    (
        "duration",
        ["backup-branch", "--stack", "staging", "--expires-in", "7 days"],
        usage("--expires-in", "'7 days' is not a duration: use a number and a unit, e.g. 7d, 12h, 30m, 1h30m"),
    ),
    (
        "duration",
        ["backup-branch", "--stack", "staging", "--expires-in", "\u0667d"],
        usage("--expires-in", "'\u0667d' is not a duration: use a number and a unit, e.g. 7d, 12h, 30m, 1h30m"),
    ),
    (
        "duration",
        ["migrate", "--stack", "staging", "--expires-in", "1" * 80 + "s"],
        usage("--expires-in", f"'{'1' * 80}s' is not a duration: use a number and a unit, e.g. 7d, 12h, 30m, 1h30m"),
    ),
    (
        "duration",
        ["restore-drill", "--stack", "staging", "--ago", "9999999d"],
        usage("--ago", "'9999999d' is too long: at most 36500d"),
    ),
    (
        "duration",
        ["restore-drill", "--stack", "staging", "--ago", "31d"],
        usage("--ago", "'31d' is longer than any Neon history window (30d)"),
    ),
    (
        "duration",
        ["restore", "--stack", "staging", "--at", "2026-01-01T00:00:00Z", "--keep-pre-restore", "31d"],
        usage("--keep-pre-restore", "'31d' is longer than the pre-restore branch is kept (30d)"),
    ),
    (
        "timestamp",
        ["backup-branch", "--stack", "staging", "--at", "0001-01-01T00:00:00+01:00"],
        usage("--at", "'0001-01-01T00:00:00+01:00' is out of range: give a time between years 1 and 9999 in UTC"),
    ),
    (
        "timestamp",
        ["restore", "--stack", "staging", "--at", "9999-12-31T23:59:59-01:00"],
        usage("--at", "'9999-12-31T23:59:59-01:00' is out of range: give a time between years 1 and 9999 in UTC"),
    ),
    (
        "timestamp",
        ["restore-drill", "--stack", "staging", "--at", "2026-01-01 10:00"],
        usage("--at", "'2026-01-01 10:00' has no time zone: add Z (UTC) or an offset such as +02:00"),
    ),
    (
        "timestamp",
        ["restore-drill", "--stack", "staging", "--at", "2026-02-30T00:00:00Z"],
        usage("--at", "'2026-02-30T00:00:00Z' is not an RFC3339 timestamp such as 2026-01-01T12:00:00Z"),
    ),
    (
        "timestamp",
        ["backup-branch", "--stack", "staging", "--at", "yesterday"],
        usage("--at", "'yesterday' is not an RFC3339 timestamp such as 2026-01-01T12:00:00Z"),
    ),
    (
        "timestamp",
        ["backup-branch", "--stack", "staging", "--at", "2026-01-01T00:00:00+25:00"],
        usage("--at", "'2026-01-01T00:00:00+25:00' is not an RFC3339 timestamp such as 2026-01-01T12:00:00Z"),
    ),
    (
        "name",
        ["backup-branch", "--stack", "staging", "--name", B300],
        usage("--name", f"'{B300}' is not a Neon branch name: it is 300 characters; Neon allows at most 256"),
    ),
    (
        "name",
        ["backup-branch", "--stack", "staging", "--name", ""],
        usage("--name", "'' is not a Neon branch name: it must not be empty"),
    ),
    (
        "name",
        ["backup-branch", "--stack", "staging", "--name", "a\nb"],
        usage(
            "--name",
            "'a\\nb' is not a Neon branch name: it must not contain control characters (NUL, newline, tab, ...)",
        ),
    ),
    (
        "name",
        ["migrate", "--stack", "staging", "--name", "backup/../main"],
        usage("--name", "'backup/../main' is not a Neon branch name: it must not contain `.` or `..` path segments"),
    ),
    (
        "name",
        ["restore", "--stack", "staging", "--from-branch", "x\x00y"],
        usage(
            "--from-branch",
            "'x\\x00y' is not a Neon branch name: it must not contain control characters (NUL, newline, tab, ...)",
        ),
    ),
    (
        "stack",
        ["backup-branch", "--stack", "[bold red]x[/]"],
        usage(STACK, "'[bold red]x[/]' is not a stack; the stacks are dev, staging, production"),
    ),
    (
        "stack",
        ["restore-drill", "--stack", "prod"],
        usage(STACK, "'prod' is not a stack; the stacks are dev, staging, production"),
    ),
    (
        "stack",
        ["migrate", "--stack", "../staging"],
        usage(STACK, "'../staging' is not a stack; the stacks are dev, staging, production"),
    ),
    (
        "stack",
        ["pr-diff", "--stack", "Staging"],
        usage(STACK, "'Staging' is not a stack; the stacks are dev, staging, production"),
    ),
    ("stack", ["drift", "--stack", ""], usage(STACK, "'' is not a stack; the stacks are dev, staging, production")),
    (
        "timeout",
        ["onboard", "--timeout", "nan"],
        usage("--timeout", "'nan' is not a number of seconds between 0 and 3600"),
    ),
    (
        "timeout",
        ["onboard", "--timeout", "1e999"],
        usage("--timeout", "'1e999' is not a number of seconds between 0 and 3600"),
    ),
    (
        "timeout",
        ["dev", "reset", "--timeout", "-5"],
        usage("--timeout", "'-5' is not a number of seconds between 0 and 3600"),
    ),
    (
        "timeout",
        ["onboard", "--timeout", "soon"],
        usage("--timeout", "'soon' is not a number of seconds between 0 and 3600"),
    ),
    (
        "count",
        ["backups", "prune", "--stack", "staging", "--keep", "-1"],
        usage("--keep", "'-1' is not a whole number of 0 or more"),
    ),
    (
        "count",
        ["backups", "prune", "--stack", "staging", "--keep", "abc"],
        usage("--keep", "'abc' is not a whole number of 0 or more"),
    ),
    (
        "count",
        ["backups", "prune", "--stack", "staging", "--keep", " 3"],
        usage("--keep", "' 3' is not a whole number of 0 or more"),
    ),
    (
        "count",
        ["backups", "prune", "--stack", "staging", "--keep", "٣"],
        usage("--keep", "'٣' is not a whole number of 0 or more"),
    ),
    ("count", ["preview", "create", "--pr", "0"], usage("--pr", "'0' is not a whole number of 1 or more")),
    ("count", ["preview", "create", "--pr", "12a"], usage("--pr", "'12a' is not a whole number of 1 or more")),
    (
        "count",
        ["preview", "create", "--pr", "9" * 5000],
        usage("--pr", f"'{'9' * 5000}' is not a whole number of 1 or more"),
    ),
    ("count", ["preview", "delete", "--pr", "-3"], usage("--pr", "'-3' is not a whole number of 1 or more")),
    (
        "count",
        ["preview", "prune", "--open", "12,²"],
        usage("--open", "² is not a pull request number; e.g. --open 12,15"),
    ),
    ("count", ["release", "status", "--limit", "0"], usage("--limit", "'0' is not a whole number between 1 and 100")),
    (
        "count",
        ["release", "status", "--limit", "101"],
        usage("--limit", "'101' is not a whole number between 1 and 100"),
    ),
    (
        "count",
        ["release", "status", "--limit", "1.5"],
        usage("--limit", "'1.5' is not a whole number between 1 and 100"),
    ),
    (
        "percent",
        ["restore-drill", "--stack", "staging", "--tolerance", "101"],
        usage("--tolerance", "'101' is not a percentage between 0 and 100"),
    ),
    (
        "percent",
        ["restore-drill", "--stack", "staging", "--tolerance", "-0.5"],
        usage("--tolerance", "'-0.5' is not a percentage between 0 and 100"),
    ),
    (
        "percent",
        ["restore-drill", "--stack", "staging", "--tolerance", "nan"],
        usage("--tolerance", "'nan' is not a percentage between 0 and 100"),
    ),
    (
        "percent",
        ["restore-drill", "--stack", "staging", "--tolerance", "ten"],
        usage("--tolerance", "'ten' is not a percentage between 0 and 100"),
    ),
    (
        "choice",
        ["onboard", "--engine", "[/x]"],
        "error: Invalid value for '--engine': '[/x]' is not one of 'auto', 'docker', 'native'.\n",
    ),
    (
        "choice",
        ["status", "-o", "yaml"],
        "error: Invalid value for '--output' / '-o': 'yaml' is not one of 'text', 'env', 'json'.\n",
    ),
    ("option", ["backup-branch", "--stack", "staging", "--bogus"], "error: No such option: --bogus\n"),
    ("option", ["restore"], "error: Missing option '--stack' / '-s'.\n"),
]


@pytest.mark.parametrize(
    ("kind", "argv", "stderr"), BAD_ARGUMENTS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD_ARGUMENTS)]
)
def test_bad_arguments_get_one_line_and_exit_2_before_any_work(kind: str, argv: list[str], stderr: str) -> None:
    assert invoke(*argv) == (2, "", stderr)


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "latin1.sql").write_bytes(b"SELECT 1;\n-- expect: \xe9t\xe9\n")
    (tmp_path / "dir").mkdir()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    (tmp_path / "readonly.md").write_text("")
    (tmp_path / "readonly.md").chmod(0o400)
    yield tmp_path
    locked.chmod(0o700)


def test_bad_files_get_one_line_and_exit_2_before_any_work(files: Path) -> None:
    root = os.geteuid() == 0  # root writes through permission bits: those two rows are checked as non-root only
    cases: list[tuple[list[str], str]] = [
        (
            ["restore-drill", "--stack", "staging", "--check", f"{files}/latin1.sql"],
            usage("--check", f"cannot read '{files}/latin1.sql': not UTF-8 text"),
        ),
        (
            ["restore-drill", "--stack", "staging", "--check", f"{files}/missing.sql"],
            usage("--check", f"cannot read '{files}/missing.sql': No such file or directory"),
        ),
        (
            ["restore-drill", "--stack", "staging", "--check", f"{files}/dir"],
            usage("--check", f"cannot read '{files}/dir': Is a directory"),
        ),
        (
            ["pr-diff", "--stack", "staging", "--output", "/unwritable/x"],
            usage("--output' / '-o", "cannot write '/unwritable/x': the directory '/unwritable' does not exist"),
        ),
        (
            ["pr-diff", "--stack", "staging", "--output", f"{files}/dir"],
            usage("--output' / '-o", f"'{files}/dir' is a directory, not a file to write"),
        ),
        (
            ["drift", "--output", f"{files}/nowhere/x.md"],
            usage(
                "--output' / '-o",
                f"cannot write '{files}/nowhere/x.md': the directory '{files}/nowhere' does not exist",
            ),
        ),
        (
            ["restore-drill", "--stack", "staging", "--report-dir", f"{files}/readonly.md/x"],
            usage(
                "--report-dir",
                f"cannot write reports into '{files}/readonly.md/x': '{files}/readonly.md' is not a directory",
            ),
        ),
    ]
    if not root:
        cases += [
            (
                ["pr-diff", "--stack", "staging", "--output", f"{files}/locked/x"],
                usage("--output' / '-o", f"cannot write '{files}/locked/x': permission denied"),
            ),
            (
                ["pr-diff", "--stack", "staging", "--output", f"{files}/readonly.md"],
                usage("--output' / '-o", f"cannot write '{files}/readonly.md': permission denied"),
            ),
        ]
    for argv, stderr in cases:
        assert invoke(*argv) == (2, "", stderr)


def test_an_unwritable_output_fails_before_any_preview_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    previews: list[Any] = []
    monkeypatch.setattr("infra.cli.prdiff.pr_diff", previews.append)
    code, _, stderr = invoke("pr-diff", "--stack", "staging", "--stack", "production", "--output", "/unwritable/x")
    assert (code, previews) == (2, [])
    assert stderr.startswith("error: Invalid value for '--output' / '-o': cannot write '/unwritable/x'")


def test_limits_come_before_the_stack_is_read() -> None:
    # The sentinel stands for the stack's outputs: an undeployed stack still gets the limit error.
    assert invoke("backup-branch", "--stack", "staging", "--expires-in", "999d")[0] == 2
    code, stdout, stderr = invoke("backup-branch", "--stack", "staging", "--expires-in", "1d", "--protect")
    assert (code, stdout) == (1, "")
    assert stderr == "error: a protected branch cannot expire: use --protect or --expires-in, not both\n"


def test_good_arguments_reach_the_command() -> None:
    assert invoke("backup-branch", "--stack", "staging", "--expires-in", "30d", "--name", "backup/[/x]")[0] == ACCEPTED
    assert (
        invoke("restore-drill", "--stack", "production", "--ago", "30d", "--at", "2026-01-01T00:00:00+02:00")[0]
        == ACCEPTED
    )
    assert invoke("onboard", "--timeout", "0.5")[0] == ACCEPTED
    assert invoke("restore-drill", "--stack", "staging", "--tolerance", "0")[0] == ACCEPTED
    assert invoke("restore-drill", "--stack", "staging", "--tolerance", "100")[0] == ACCEPTED


# -- the property: every option of every command, any text -------------------------------------------


def _commands() -> list[tuple[list[str], list[str]]]:
    """(command path, its options that take a value) for every command."""
    found: list[tuple[list[str], list[str]]] = []

    def walk(command: Any, path: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])
        options = [p.opts[0] for p in getattr(command, "params", []) if p.param_type_name == "option" and not p.is_flag]
        if path and not getattr(command, "commands", None):
            found.append((path, options))

    walk(typer.main.get_command(app), [])
    return found


def _registered(typer_app: typer.Typer) -> list[Any]:
    infos = list(typer_app.registered_commands)
    for group in typer_app.registered_groups:
        infos += _registered(group.typer_instance) if group.typer_instance else []
    return infos


@pytest.fixture
def parsing_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command's body replaced by the sentinel, its signature (so its options) kept: commands other
    helpers add are covered without knowing their dependencies."""
    for info in _registered(app):
        stand_in = functools.wraps(info.callback)(_accepted)
        monkeypatch.setattr(info, "callback", stand_in)


COMMANDS = _commands()
OPTIONS = [(path, option) for path, options in COMMANDS for option in options]
VALID = {"--stack": "staging"}


def test_the_property_covers_every_command() -> None:
    commands = {" ".join(path) for path, _ in OPTIONS}
    assert commands >= {
        "onboard",
        "status",
        "dev reset",
        "pr-diff",
        "drift",
        "backup-branch",
        "migrate",
        "restore-drill",
        "restore",
    }
    assert len(OPTIONS) >= 20


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(OPTIONS), value=st.text(st.characters(exclude_categories=("Cs",)), max_size=300))
def test_any_text_in_any_option_is_one_line_never_a_traceback(
    parsing_only: None, target: tuple[list[str], str], value: str
) -> None:
    path, option = target
    argv = [
        *path,
        *(a for k, v in VALID.items() if k != option and k in _options_of(path) for a in (k, v)),
        option,
        value,
    ]
    code, stdout, stderr = invoke(*argv)
    assert "Traceback" not in stderr
    if code == 2:
        assert stderr.count("\n") == 1, stderr
        assert stderr.startswith("error: ")
        assert stdout == ""
    else:
        # Accepted (the sentinel), or an expected refusal made in the command body: one error line.
        assert code in (ACCEPTED, 1), (code, stderr)
        assert stderr.startswith("error: ")


def _options_of(path: list[str]) -> set[str]:
    return {option for p, option in OPTIONS if p == path}
