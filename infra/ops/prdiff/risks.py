"""What in a stack's changes is dangerous, and which of it the gate must block.

Blocking (production only, unless acknowledged): a resource replaced or deleted (a backup schedule
removed too), branch protection turned off, Pulumi's `protect` dropped. Called out without blocking: a
shorter retention window (the restore horizon before and after), scheduled snapshots kept for less
time, retention above the plan's cap, irreversible settings, staging replacements and deletions, and
failed previews.
"""

from __future__ import annotations

import re
from typing import Final

from infra.config.plans import PRODUCTION_MIN_RETENTION_SECONDS, RETENTION_CAP_SECONDS, human_duration
from infra.ops.prdiff.markdown import code, format_value, shorten
from infra.ops.prdiff.mask import UNKNOWN
from infra.ops.prdiff.model import ResourceChange, Risk, RiskKind, StackFacts, StackPreview
from infra.ops.prdiff.schedule import schedule_risks

RETENTION_FIELD: Final = "history_retention_seconds"
LOCATION_FIELDS: Final = ("region_id", "pg_version")
# Settings Neon cannot turn off again once on (none is an input of ours yet; kept for when one is).
IRREVERSIBLE: Final[dict[str, str]] = {
    "enable_logical_replication": "logical replication cannot be turned off again for this project",
    "hipaa": "HIPAA compliance cannot be turned off again for this project",
}

_LOSS: Final[dict[tuple[str, str], str]] = {
    ("Project", "replace"): "a replacement is a new, empty Neon project: every row, branch and the restore history "
    "are lost, and the connection string changes",
    ("Project", "delete"): "deleting the project deletes every branch, every row and the restore history",
    ("Branch", "replace"): "the new branch does not keep this branch's data or restore history",
    ("Branch", "delete"): "the branch, its data and its restore history are deleted",
    ("Database", "replace"): "the database is dropped and created empty: every row in it is lost",
    ("Database", "delete"): "the database is dropped: every row in it is lost",
    ("Role", "replace"): "the role is recreated with a new password: apps lose access until DATABASE_URL is updated",
    ("Role", "delete"): "the role is dropped: apps connecting as it lose access",
    ("BackupSchedule", "replace"): "the schedule moves to another branch: the old branch's schedule is turned off",
    ("BackupSchedule", "delete"): "Neon stops taking scheduled snapshots of the branch; the snapshots already "
    "taken stay until their retention ends",
}


def noun(kind: str) -> str:
    """`BackupSchedule` -> `backup schedule`: a resource kind inside a sentence."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind).lower()


def assess(preview: StackPreview, facts: StackFacts) -> list[Risk]:
    """Every risk in one stack's preview, blocking ones first."""
    risks = _destructive(preview, facts) + _protect_dropped(preview, facts)
    for change in preview.changes:
        risks += _protection(change, facts)
        risks += _retention_shortened(change, facts)
        risks += schedule_risks(change, facts)
        risks += _irreversible(change, facts)
    risks += _over_cap(preview, facts)
    risks += [
        Risk(stack=facts.stack, kind="preview-failed", title=f"{facts.stack}: the preview failed", detail=message)
        for message in preview.errors
    ]
    return sorted(risks, key=lambda r: not r.blocking)


def _dependent(change: ResourceChange) -> bool:
    """Replaced only because something it depends on is replaced (its new ids are unknown)."""
    if change.action != "replace":
        return False
    if change.follows is not None:
        return True
    if change.fields:
        return all(f.new == UNKNOWN for f in change.fields)
    return change.blocked_by_protect and not change.reasons


def _why(change: ResourceChange) -> str:
    moved = [f for f in (change.field(n) for n in LOCATION_FIELDS) if f is not None]
    if moved:
        return ", ".join(
            f"{code(f.name)}: {code(format_value(f.name, f.old))} → {code(format_value(f.name, f.new))}" for f in moved
        )
    names = change.reasons or [f.name for f in change.fields]
    return ", ".join(code(n) for n in names) + (" changes" if len(names) == 1 else " change") if names else ""


def _destructive(preview: StackPreview, facts: StackFacts) -> list[Risk]:
    """One risk per root replacement or deletion; what is replaced along with it is named in it."""
    destructive = [c for c in preview.changes if c.destructive]
    roots = [c for c in destructive if not _dependent(c)] or destructive
    dependents = [c for c in destructive if c not in roots]
    anchor = next((c for c in roots if c.kind == "Project"), roots[0]) if roots else None
    return [_destructive_risk(c, dependents if c is anchor else [], facts) for c in roots]


def _destructive_risk(change: ResourceChange, along: list[ResourceChange], facts: StackFacts) -> Risk:
    verb: RiskKind = "replaced" if change.action == "replace" else "deleted"
    moved = change.action == "replace" and any(change.field(n) for n in LOCATION_FIELDS)
    loss = _LOSS.get((change.kind, change.action), f"the {noun(change.kind)} is {verb}")
    why = _why(change)
    detail = loss[0].upper() + loss[1:] + "."
    if along:
        detail += " Replaced with it: " + ", ".join(f"{noun(c.kind)} {code(c.name)}" for c in along) + "."
    if change.blocked_by_protect or any(c.blocked_by_protect for c in along):
        detail += " Pulumi's `protect` refuses it today: `pulumi up` stops with an error until protection is lifted."
    return Risk(
        stack=facts.stack,
        kind="location-changed" if moved else verb,
        title=f"{facts.stack} {noun(change.kind)} {code(change.name)} would be {verb}" + (f" ({why})" if why else ""),
        detail=detail,
        blocking=facts.is_production,
        resource=change.name,
    )


def _reason(facts: StackFacts, key: str) -> str:
    """The reason a stack file gives for overriding a production rule, quoted for the reviewer."""
    reason = facts.overrides.get(key)
    return f" Reason given in `safetyOverrides.{key}`: “{shorten(reason, 200)}”." if reason else ""


def _protection(change: ResourceChange, facts: StackFacts) -> list[Risk]:
    flag = change.field("protected")
    if change.kind != "Branch" or flag is None or flag.old is not True or flag.new is True:
        return []
    return [
        Risk(
            stack=facts.stack,
            kind="protection-removed",
            resource=change.name,
            blocking=facts.is_production,
            title=f"{facts.stack} branch {code(change.name)} loses Neon branch protection",
            detail="An unprotected branch can be deleted or reset from the Neon console or API, and IP allow lists "
            "that apply to protected branches only stop applying to it." + _reason(facts, "unprotectedDefaultBranch"),
        )
    ]


def _protect_dropped(preview: StackPreview, facts: StackFacts) -> list[Risk]:
    dropped = [c for c in preview.changes if c.protect_dropped]
    if not dropped:
        return []
    names = ", ".join(f"{noun(c.kind)} {code(c.name)}" for c in dropped)
    what = f"{noun(dropped[0].kind)} {code(dropped[0].name)}" if len(dropped) == 1 else f"{len(dropped)} resources"
    return [
        Risk(
            stack=facts.stack,
            kind="protect-dropped",
            resource=dropped[0].name,
            blocking=True,
            title=f"{facts.stack}: {what} {'loses' if len(dropped) == 1 else 'lose'} Pulumi's `protect`",
            detail=("" if len(dropped) == 1 else f"{names[0].upper()}{names[1:]}. ")
            + f"Without `protect`, `pulumi destroy` or a replacement deletes {'it' if len(dropped) == 1 else 'them'} "
            "with no further check.",
        )
    ]


def _retention_shortened(change: ResourceChange, facts: StackFacts) -> list[Risk]:
    retention = change.field(RETENTION_FIELD)
    if retention is None or not isinstance(retention.old, int) or not isinstance(retention.new, int):
        return []
    before, after = retention.old, retention.new
    if after >= before:
        return []
    detail = (
        f"Once applied, history older than {human_duration(after)} is discarded: a point-in-time restore reaches "
        f"back {human_duration(after)} instead of {human_duration(before)}, and raising it later does not bring "
        "the discarded history back."
    )
    if facts.is_production and after < PRODUCTION_MIN_RETENTION_SECONDS:
        detail += f" Production's minimum is {human_duration(PRODUCTION_MIN_RETENTION_SECONDS)}."
        detail += _reason(facts, "retentionBelow30Days")
    return [
        Risk(
            stack=facts.stack,
            kind="retention-shortened",
            resource=change.name,
            title=f"{facts.stack}: restore horizon shortened from {human_duration(before)} to {human_duration(after)}",
            detail=detail,
        )
    ]


def _irreversible(change: ResourceChange, facts: StackFacts) -> list[Risk]:
    return [
        Risk(
            stack=facts.stack,
            kind="irreversible",
            resource=change.name,
            title=f"{facts.stack}: {code(f.name)} turned on (irreversible)",
            detail=IRREVERSIBLE[f.name][0].upper() + IRREVERSIBLE[f.name][1:] + ".",
        )
        for f in change.fields
        if f.name in IRREVERSIBLE and f.new is True and f.old is not True
    ]


def _over_cap(preview: StackPreview, facts: StackFacts) -> list[Risk]:
    cap = {str(plan): seconds for plan, seconds in RETENTION_CAP_SECONDS.items()}.get(facts.plan or "")
    if cap is None:
        return []
    planned = [f.new for c in preview.changes if (f := c.field(RETENTION_FIELD)) is not None and isinstance(f.new, int)]
    value = max([*planned, facts.history_retention_seconds or 0])
    if value <= cap:
        return []
    return [
        Risk(
            stack=facts.stack,
            kind="retention-over-cap",
            title=f"{facts.stack}: retention of {human_duration(value)} exceeds the {facts.plan} plan's cap of "
            f"{human_duration(cap)}",
            detail=f"Neon refuses it: set `historyRetentionSeconds` to at most {cap} or change the plan.",
        )
    ]
