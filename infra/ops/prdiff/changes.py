"""From a stack's preview steps to the resource changes a reviewer reads.

Python dynamic providers never report `detailedDiff` or `diffReasons`, so changed fields come from
the old and new *inputs* of each step. A replacement of a `protect`ed resource makes the engine stop
with an error diagnostic instead of a step; those resources are recovered from the diagnostics, so
the comment still shows them (as blocked replacements), and such errors do not count as failures.
"""

from __future__ import annotations

import re
from typing import Any

from infra.ops.prdiff.mask import mask_text, mask_value
from infra.ops.prdiff.model import ACTION_ORDER, Action, FieldChange, ResourceChange, StackPreview
from infra.ops.prdiff.preview import PreviewDigest, ResourceState, Step

_ACTIONS: dict[str, Action] = {
    "create": "create",
    "import": "create",
    "update": "update",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "import-replacement": "replace",
    "discard-replaced": "replace",
    "delete": "delete",
    "discard": "delete",
}
_IGNORED_INPUTS = frozenset({"__provider"})
_BLOCKED_REPLACE = re.compile(
    r'unable to replace resource "(?P<urn>urn:pulumi:[^"]+)"\s+'
    r'(?:as part of replacing "(?P<cause>urn:pulumi:[^"]+)"\s+)?as it is currently marked for protection'
)
_BLOCKED_DELETE = re.compile(r'resource "(?P<urn>urn:pulumi:[^"]+)" cannot be deleted\s+because it is protected')
# Messages that only repeat that something above failed.
_FOLLOW_ON = ("Resource monitor has terminated", "preview failed", "Program exited with non-zero exit code")


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def resource_kind(type_token: str) -> str:
    """`pulumi-python:dynamic/neon:Project` -> `Project`."""
    return type_token.rsplit("$", 1)[-1].rsplit(":", 1)[-1] or "Resource"


def urn_type(urn: str) -> str:
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def differs(old: Any, new: Any) -> bool:
    """Inequality as the providers see it: 17 and 17.0 are equal, True and 1 are not."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is not type(new) or old != new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) != float(new)
    return bool(old != new)


def field_changes(old: ResourceState | None, new: ResourceState | None) -> tuple[list[FieldChange], bool]:
    """Changed inputs (masked), and whether they were found only against refreshed outputs (drift)."""
    if new is None:
        return [], False
    if old is None:
        return [
            FieldChange(name=k, new=mask_value(k, v))
            for k, v in sorted(new.inputs.items())
            if k not in _IGNORED_INPUTS and v is not None
        ], False
    changes = _compare(old.inputs, new.inputs)
    if changes or not old.outputs:
        return changes, False
    # Same inputs but the engine still plans a change: the refreshed value differs (drift).
    return _compare({k: old.outputs[k] for k in new.inputs if k in old.outputs}, new.inputs), True


def _compare(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    keys = sorted((old.keys() | new.keys()) - _IGNORED_INPUTS)
    return [
        FieldChange(name=k, old=mask_value(k, old.get(k)), new=mask_value(k, new.get(k)))
        for k in keys
        if differs(old.get(k), new.get(k))
    ]


def _change_from_step(step: Step) -> ResourceChange | None:
    state = step.new_state or step.old_state
    type_token = state.type if state else urn_type(step.urn)
    if type_token.startswith("pulumi:") or (state is not None and not state.custom):
        return None  # the stack itself, providers and components carry no settings of their own
    was_protected = bool(step.old_state and step.old_state.protected)
    dropped = was_protected and step.new_state is not None and not step.new_state.protected
    action = _ACTIONS.get(step.op) or ("unprotect" if dropped else None)  # "unprotect": only the option changed
    if action is None:
        return None
    fields, drift = field_changes(step.old_state, step.new_state) if action != "delete" else ([], False)
    return ResourceChange(
        urn=step.urn,
        name=resource_name(step.urn),
        kind=resource_kind(type_token),
        action=action,
        fields=fields if action != "unprotect" else [],
        reasons=list(step.replace_reasons) if action == "replace" else [],
        protected=was_protected,
        protect_dropped=dropped,
        drift=drift,
    )


def _blocked(diagnostics: list[tuple[str, str]]) -> dict[str, tuple[Action, str | None]]:
    """URN -> (replace|delete, the resource whose replacement drags it along) from protect errors."""
    blocked: dict[str, tuple[Action, str | None]] = {}
    for _, message in diagnostics:
        for match in _BLOCKED_REPLACE.finditer(message):
            blocked.setdefault(match["urn"], ("replace", match["cause"]))
        for match in _BLOCKED_DELETE.finditer(message):
            blocked.setdefault(match["urn"], ("delete", None))
    return blocked


def _merge(changes: dict[str, ResourceChange], change: ResourceChange) -> None:
    current = changes.get(change.urn)
    if current is None or ACTION_ORDER.index(change.action) < ACTION_ORDER.index(current.action):
        changes[change.urn] = change


def stack_preview(stack: str, digest: PreviewDigest) -> StackPreview:
    """The reviewer's view of one stack's preview (values masked)."""
    changes: dict[str, ResourceChange] = {}
    for step in digest.steps:
        change = _change_from_step(step)
        if change is not None:
            _merge(changes, change)
    errors = [(d.urn or "", d.message) for d in digest.diagnostics if d.severity == "error"]
    blocked = _blocked(errors)
    for urn, (action, cause) in blocked.items():
        known = changes.get(urn)
        if known is not None:
            changes[urn] = known.model_copy(update={"blocked_by_protect": True, "protected": True})
            continue
        changes[urn] = ResourceChange(
            urn=urn,
            name=resource_name(urn),
            kind=resource_kind(urn_type(urn)),
            action=action,
            protected=True,
            blocked_by_protect=True,
            follows=resource_name(cause) if cause else None,
        )
    ordered = sorted(changes.values(), key=lambda c: ACTION_ORDER.index(c.action))
    return StackPreview(
        stack=stack,
        changes=ordered,
        unchanged=digest.change_summary.get("same", 0),
        errors=_real_errors(errors, bool(blocked)),
        stopped_early=bool(blocked),
    )


def _real_errors(errors: list[tuple[str, str]], explained: bool) -> list[str]:
    """Error messages that are not protect refusals (those are shown as blocked changes)."""
    real = [
        message for _, message in errors if not _BLOCKED_REPLACE.search(message) and not _BLOCKED_DELETE.search(message)
    ]
    substantive = [m for m in real if not any(marker in m for marker in _FOLLOW_ON)]
    if explained and not substantive:
        return []
    return [mask_text(m.strip().removeprefix("error: ").strip()) for m in substantive or real]
