"""Read `pulumi up|destroy --json` engine events: what changed, and the errors in plain words.

With `--skip-preview`, `--json` prints one engine event per line. The summary event says what changed;
error diagnostics from our dynamic providers are Python tracebacks, of which only the exception's
message (written for developers) is worth showing.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict

__all__ = ["UpdateReport", "parse_events"]

_TRACEBACK = "Traceback (most recent call last):"
# The last "module.path.SomeError: message" line of a traceback starts the message we keep.
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?(?P<name>[A-Za-z_]\w*(?:Error|Exception)): (?P<msg>.*)$")
# Engine follow-ups that only repeat that something failed.
_GENERIC = ("update failed", "destroy failed", "Resource monitor has terminated", "preview failed")
_CHANGE_WORDS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "replace": "replaced",
    "same": "unchanged",
    "create-replacement": "replaced",
    "delete-replaced": "replaced",
}
_ORDER = ("created", "updated", "replaced", "deleted", "unchanged")


class UpdateReport(BaseModel):
    """The outcome of one `pulumi up` or `destroy`."""

    model_config = ConfigDict(frozen=True)

    succeeded: bool
    changes: dict[str, int] = {}
    errors: tuple[str, ...] = ()
    infos: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return any(count for op, count in self.changes.items() if op != "same")

    def describe_changes(self) -> str:
        if not self.changes:
            return "nothing to do"
        if not self.changed:
            return f"no changes ({self.changes.get('same', 0)} resources unchanged)"
        words: dict[str, int] = {}
        for op, count in self.changes.items():
            word = _CHANGE_WORDS.get(op, op)
            words[word] = words.get(word, 0) + count
        order = (*_ORDER, *(word for word in words if word not in _ORDER))
        return ", ".join(f"{words[word]} {word}" for word in order if words.get(word))


def parse_events(stdout: str, stderr: str = "") -> UpdateReport:
    """The report for the event lines in `stdout`; `stderr` is kept when no event explains a failure."""
    changes: dict[str, int] = {}
    errors: list[str] = []
    infos: list[str] = []
    result = None
    for line in stdout.splitlines():
        event = _load(line)
        if event is None:
            continue
        summary = event.get("summaryEvent")
        if isinstance(summary, dict):
            changes = {str(k): int(v) for k, v in (summary.get("resourceChanges") or {}).items()}
            result = summary.get("result")
        diagnostic = event.get("diagnosticEvent")
        if isinstance(diagnostic, dict):
            message = str(diagnostic.get("message") or "").strip()
            severity = diagnostic.get("severity")
            if severity == "error" and message and not message.startswith(_GENERIC):
                errors.append(exception_message(message))
            elif severity == "info" and message:
                infos.append(message)
    succeeded = result == "succeeded"
    if not succeeded and not errors:
        errors.append(stderr.strip() or "pulumi failed without saying why")
    return UpdateReport(succeeded=succeeded, changes=changes, errors=tuple(dict.fromkeys(errors)), infos=tuple(infos))


def exception_message(message: str) -> str:
    """The exception's own message when `message` is a Python traceback, else `message`."""
    if _TRACEBACK not in message:
        return message
    lines = message.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        match = _EXCEPTION_LINE.match(lines[index])
        if match is not None and not lines[index].startswith(" "):
            return "\n".join([match["msg"], *lines[index + 1 :]]).strip()
    return lines[-1].strip()


def _load(line: str) -> dict[str, object] | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        parsed = json.loads(line)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None
