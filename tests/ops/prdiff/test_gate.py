"""The destructive-change gate: exit codes, the acknowledgement, the message; and the CLI around it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import ExitCode
from infra.ops.prdiff.gate import (
    ACK_FLAG,
    ACK_LABEL,
    exit_code,
    gate_message,
)
from infra.ops.prdiff.render import MARKER
from infra.ops.prdiff.run import PrDiffError, PrDiffOptions, parse_sources, pr_diff, stacks_to_show
from tests.ops.prdiff.conftest import report_of
from tests.ops.prdiff.scenarios import FIXTURES


@pytest.mark.parametrize(
    ("fixtures", "acknowledged", "expected"),
    [
        (("staging-no-changes", "production-no-changes"), False, ExitCode.OK),
        (("staging-retention-1-day", "production-no-changes"), False, ExitCode.OK),
        (("staging-pg-version", "production-no-changes"), False, ExitCode.OK),  # staging may lose data
        (("staging-no-changes", "production-region"), False, ExitCode.BLOCKED),
        (("staging-no-changes", "production-region"), True, ExitCode.OK),
        (("staging-no-changes", "production-unprotect-branch"), False, ExitCode.BLOCKED),
        (("staging-no-changes", "production-unprotect-branch"), True, ExitCode.OK),
        (("staging-no-changes", "production-protect-dropped"), False, ExitCode.BLOCKED),
        (("staging-no-changes", "production-role-delete"), False, ExitCode.BLOCKED),
        (("staging-retention-over-cap", "production-no-changes"), False, ExitCode.PREVIEW_FAILED),
        (("staging-retention-over-cap", "production-region"), False, ExitCode.BLOCKED),
        (("staging-retention-over-cap", "production-region"), True, ExitCode.PREVIEW_FAILED),
    ],
)
def test_exit_code(fixtures: tuple[str, ...], acknowledged: bool, expected: int) -> None:
    assert exit_code(report_of(*fixtures, acknowledged=acknowledged)) == expected


def test_gate_message__lists_the_blocking_changes_and_says_what_to_do() -> None:
    message = gate_message(report_of("staging-retention-1-day", "production-region"))
    assert message is not None
    lines = message.splitlines()
    assert lines[0] == "blocked by the destructive-change gate (1 change):"
    assert lines[1] == (
        "  - production project production-project would be replaced (region_id: aws-eu-central-1 → aws-us-east-2)"
    )
    assert f"the label `{ACK_LABEL}`" in message
    assert ACK_FLAG in message
    assert "restore horizon" not in message  # warnings are in the comment, not in the gate


def test_gate_message__acknowledged_says_so_and_warns_about_protect() -> None:
    message = gate_message(report_of("production-region", acknowledged=True))
    assert message is not None
    assert message.startswith("the destructive-change gate was acknowledged")
    assert "still refuses" in message


def test_gate_message__silent_without_blocking_changes() -> None:
    assert gate_message(report_of("staging-pg-version", "production-no-changes")) is None


def test_parse_sources() -> None:
    assert parse_sources(["staging=a.json", "production=/x/b.json"]) == {
        "staging": Path("a.json"),
        "production": Path("/x/b.json"),
    }
    with pytest.raises(PrDiffError, match="--from takes STACK=FILE"):
        parse_sources(["staging"])


def test_stacks_to_show__order_kept_and_sources_must_be_listed() -> None:
    assert stacks_to_show(["staging", "production", "staging"], {}) == ["staging", "production"]
    assert stacks_to_show([], {"production": Path("p.json")}) == ["production"]
    with pytest.raises(PrDiffError, match="--from names production"):
        stacks_to_show(["staging"], {"production": Path("p.json")})
    with pytest.raises(PrDiffError, match="name at least one stack"):
        stacks_to_show([], {})


def test_unreadable_saved_preview__an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    options = PrDiffOptions(stacks=["staging"], sources={"staging": bad}, project_dir=tmp_path)
    with pytest.raises(PrDiffError, match="is not `pulumi preview --json` output"):
        pr_diff(options)


# -- the CLI -----------------------------------------------------------------------------------
def _from(*pairs: tuple[str, str]) -> list[str]:
    return [arg for stack, name in pairs for arg in ("--stack", stack, "--from", f"{stack}={FIXTURES / name}.json")]


def test_cli__blocked_prints_the_comment_and_the_gate_message_exit_3() -> None:
    result = CliRunner().invoke(
        app, ["pr-diff", *_from(("staging", "staging-no-changes"), ("production", "production-region"))]
    )
    assert result.exit_code == ExitCode.BLOCKED
    assert result.stdout.startswith(MARKER + "\n")
    assert "blocked by the destructive-change gate" in result.stderr
    assert "blocked by the destructive-change gate" not in result.stdout


def test_cli__acknowledged_exit_0_and_output_file(tmp_path: Path) -> None:
    target = tmp_path / "comment.md"
    args = ["pr-diff", *_from(("production", "production-region")), ACK_FLAG, "--output", str(target)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == ExitCode.OK
    assert result.stdout == ""
    assert "_(acknowledged)_" in target.read_text()


def test_cli__bad_arguments_exit_1_with_a_message() -> None:
    result = CliRunner().invoke(app, ["pr-diff", "--from", "nonsense"])
    assert result.exit_code == 1
    assert "--from takes STACK=FILE" in result.stderr


NOT = "is not `pulumi preview --json` output (for staging)"
SAVED_PREVIEWS = [
    ("nan", b'{"steps": [], "x": NaN}', NOT + ": NaN is not JSON"),
    ("infinity", b'{"steps": [{"x": 1e999}]}', NOT + ": 1e999 is not a finite number"),
    ("minus-infinity", b'{"steps": [{"x": -Infinity}]}', NOT + ": -Infinity is not JSON"),
    ("deep", b"[" * 100_000 + b"]" * 100_000, "is nested too deeply to be " + NOT.removeprefix("is not ")),
    ("latin1", b'{"steps": [{"urn": "caf\xe9"}]}', "is not UTF-8 text, so not " + NOT.removeprefix("is not ")),
    ("truncated", b'{"steps": [', NOT + ": Expecting value: line 1 column 12 (char 11)"),
    ("wrong-shape", b'{"steps": "all of them"}', NOT),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "message"), SAVED_PREVIEWS, ids=[s[0] for s in SAVED_PREVIEWS])
def test_saved_previews_are_read_strictly_with_one_clear_error(
    tmp_path: Path, name: str, body: bytes, message: str
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(body)
    result = CliRunner().invoke(app, ["pr-diff", "--stack", "staging", "--from", f"staging={path}"])
    assert result.exit_code == 1
    assert result.stderr == f"error: {path} {message}\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)
