"""Backup schedules in a pull request: each entry in words, and the risk of keeping snapshots for less
time (a shorter retention, or an entry removed). A removed schedule is a deletion (see `risks._LOSS`)."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from infra.config.backups import describe
from infra.config.plans import human_duration
from infra.ops.prdiff.model import ResourceChange, Risk, StackFacts

SCHEDULE_FIELD: Final = "schedule"
SCHEDULE_KIND: Final = "BackupSchedule"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    frequency: str
    hour: int | None = None
    day: int | None = None
    month: int | None = None
    retention_seconds: int | None = None


def _entries(value: JsonValue) -> list[_Entry] | None:
    """The schedule in a preview's inputs; None when it is not a readable list (unknown, masked)."""
    if not isinstance(value, list):
        return None
    try:
        return [_Entry.model_validate(item) for item in value]
    except ValidationError:
        return None


def describe_schedule(value: JsonValue) -> str | None:
    """`daily at 03:00 UTC, kept 30 days; monthly on day 1 …`, `off`, or None when unreadable."""
    entries = _entries(value)
    if entries is None:
        return None
    return "; ".join(describe(e.frequency, e.hour, e.day, e.month, e.retention_seconds) for e in entries) or "off"


def _kept(seconds: int | None) -> str:
    return human_duration(seconds) if seconds else "until deleted"


def _shortened(old: list[_Entry], new: list[_Entry]) -> list[str]:
    """Per frequency: kept for less time, or no longer taken."""
    found = []
    for before in old:
        after = next((e for e in new if e.frequency == before.frequency), None)
        if after is None:
            found.append(f"{before.frequency}: no longer taken (kept {_kept(before.retention_seconds)})")
        elif after.retention_seconds is not None and (
            before.retention_seconds is None or after.retention_seconds < before.retention_seconds
        ):
            found.append(f"{before.frequency}: {_kept(before.retention_seconds)} → {_kept(after.retention_seconds)}")
    return found


def schedule_risks(change: ResourceChange, facts: StackFacts, *, drift: bool = False) -> list[Risk]:
    """A pull request's shorter snapshot retention, or (`drift`) one made in Neon outside Pulumi."""
    field = change.field(SCHEDULE_FIELD)
    if change.kind != SCHEDULE_KIND or change.action != "update" or field is None:
        return []
    old, new = _entries(field.old), _entries(field.new)
    if old is None or new is None:
        return []
    shortened = _shortened(old, new)
    if not shortened:
        return []
    return [
        Risk(
            stack=facts.stack,
            kind="snapshots-shortened",
            resource=change.name,
            title=f"{facts.stack}: snapshot retention shortened{' outside Pulumi' if drift else ''} "
            f"({'; '.join(shortened)})",
            detail=(
                "Neon's schedule no longer matches the stack file; `pulumi up` puts the declared schedule back."
                if drift
                else "Once applied, new scheduled snapshots are kept for less time (or not taken at all), so the "
                "oldest snapshot you can restore from gets younger as the old ones expire."
            ),
        )
    ]
