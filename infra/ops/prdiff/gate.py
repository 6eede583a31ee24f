"""The destructive-change gate: its exit code, its label, and the message that says what to do."""

from __future__ import annotations

from typing import Final

from infra.errors import ExitCode
from infra.ops.prdiff.model import Report

ACK_LABEL: Final = "infra:acknowledge-destructive"
ACK_FLAG: Final = "--acknowledge-destructive"


def exit_code(report: Report) -> ExitCode:
    """Blocked (3) before a failed preview (4): a blocking change is the one to act on first."""
    if report.blocked:
        return ExitCode.BLOCKED
    if report.failed:
        return ExitCode.PREVIEW_FAILED
    return ExitCode.OK


def _plain(markdown: str) -> str:
    return markdown.replace("`", "")


def gate_message(report: Report) -> str | None:
    """For stderr: why the gate blocks (or that it was acknowledged), and what to do; None if silent."""
    blocking = report.blocking
    if not blocking:
        return None
    lines = [f"  - {_plain(risk.title)}" for risk in blocking]
    if report.acknowledged:
        return "\n".join(
            [
                f"the destructive-change gate was acknowledged ({ACK_FLAG}); these changes go through:",
                *lines,
                "`pulumi up` still refuses to replace or delete `protect`ed resources until protection is lifted.",
            ]
        )
    return "\n".join(
        [
            f"blocked by the destructive-change gate ({len(blocking)} change{'s' if len(blocking) != 1 else ''}):",
            *lines,
            "If this is intended: make sure a recent restore point exists, get a second reviewer to agree, then add",
            f"the label `{ACK_LABEL}` to the pull request (locally: pass {ACK_FLAG}).",
            "Otherwise change the pull request so that production keeps its resources and their protection.",
        ]
    )
