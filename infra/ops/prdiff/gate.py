"""The destructive-change gate: its exit codes, its label, and the message that says what to do."""

from __future__ import annotations

from typing import Final

from infra.ops.prdiff.model import Report

ACK_LABEL: Final = "infra:acknowledge-destructive"
ACK_FLAG: Final = "--acknowledge-destructive"

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1  # could not run at all (bad arguments, no CLI, unreadable JSON)
EXIT_BLOCKED: Final = 3  # a blocking change and no acknowledgement
EXIT_PREVIEW_FAILED: Final = 4  # a stack's preview failed (the comment shows why)


def exit_code(report: Report) -> int:
    if report.blocked:
        return EXIT_BLOCKED
    if report.failed:
        return EXIT_PREVIEW_FAILED
    return EXIT_OK


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
