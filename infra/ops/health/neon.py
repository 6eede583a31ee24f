"""The checks made from Neon's API: branches against the plan's limit, failed operations in the last
24 hours, what the stack file declares against what Neon has, and the newest snapshot's age."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from pydantic import JsonValue

from infra.config import NeonStack
from infra.config.monitoring import MonitoringSettings
from infra.config.plans import BRANCH_LIMIT, human_duration
from infra.masking import mask_uri_passwords
from infra.neon.models import BackupScheduleItem, Branch, Operation, Project, Snapshot
from infra.ops.followup import cli_command, pulumi_command
from infra.ops.health.model import Check, judge, skipped
from infra.ops.neon.budget import prunable, prune_commands
from infra.ops.times import rfc3339

DAY: Final = timedelta(hours=24)
FAILED: Final = frozenset({"failed", "error"})  # cancelled is not a failure of Neon's
SHOWN: Final = 5


def branch_check(branches: list[Branch], settings: NeonStack, monitoring: MonitoringSettings) -> Check:
    limit = BRANCH_LIMIT[settings.neon.plan]
    if monitoring.branches_percent is None:
        return skipped("branches", "off for this stack (null in monitoring:)")
    share = round(100 * len(branches) / limit, 1)
    oldest = [f"{b.name} ({b.id})" for b in prunable(branches)[:3]]
    return Check(
        name="branches",
        status=judge(share, monitoring.branches_percent),
        value=share,
        unit=" %",
        threshold=monitoring.branches_percent,
        detail=f"{len(branches)} of the {limit} branches the {settings.neon.plan} plan allows"
        + (f"; oldest prunable: {', '.join(oldest)}" if oldest else ""),
        hint=f"prune with {prune_commands(settings.stack)}; at the limit every command that makes a branch refuses",
    )


def operations_check(operations: Iterable[Operation], now: datetime, monitoring: MonitoringSettings) -> Check:
    """Operations newest first (as Neon lists them); read until they are older than a day."""
    if monitoring.failed_operations is None:
        return skipped("failed Neon operations", "off for this stack (null in monitoring:)")
    failed: list[Operation] = []
    for operation in operations:
        if operation.created_at is not None and operation.created_at < now - DAY:
            break
        if operation.status in FAILED:
            failed.append(operation)
    return Check(
        name="failed Neon operations",
        status=judge(len(failed), monitoring.failed_operations),
        value=len(failed),
        threshold=monitoring.failed_operations,
        detail="in the last 24 hours",
        hint="read each operation's error (Neon Console → Monitoring → Operations); a failed start_compute or "
        "apply_config can leave the compute unavailable; contact Neon support if it repeats",
        items=[_operation_item(op) for op in failed[:SHOWN]],
    )


def _operation_item(op: Operation) -> dict[str, JsonValue]:
    return {
        "id": op.id,
        "action": op.action,
        "status": op.status,
        "created": rfc3339(op.created_at) if op.created_at else None,
        "error": mask_uri_passwords(op.error or ""),
    }


def declared_check(settings: NeonStack, project: Project, branch: Branch, schedule: list[BackupScheduleItem]) -> Check:
    """Retention, protection and backup schedule: the stack file against Neon. Less than declared is
    critical (backups or history missing); anything else that differs is a warning (drift)."""
    neon = settings.neon
    declared, actual = [e.wire() for e in neon.backup_schedule], [item.to_body() for item in schedule]
    worse, other = _differences(settings, project, branch)
    if actual != declared:
        found = f"backup schedule {actual or 'off'}, declared {declared or 'off'}"
        (worse if _schedule_weaker(declared, actual) else other).append(found)
    value: dict[str, JsonValue] = {
        "history_retention_seconds": {
            "declared": neon.history_retention_seconds,
            "actual": project.history_retention_seconds,
        },
        "protected": {"declared": neon.protect_default_branch, "actual": branch.protected},
        "backup_schedule": {"declared": declared, "actual": actual},  # type: ignore[dict-item]
    }
    return Check(
        name="declared retention and protection",
        status="critical" if worse else "warning" if other else "ok",
        value=value,
        detail="; ".join(worse + other) or "Neon matches the stack file",
        hint=f"`{pulumi_command('up', '--refresh', '--stack', settings.stack)}` puts the declared values back; "
        f"`{cli_command('drift', '--stack', settings.stack)}` shows what changed",
    )


def _differences(settings: NeonStack, project: Project, branch: Branch) -> tuple[list[str], list[str]]:
    """(less than declared, otherwise different) for the history window and the branch's protection."""
    worse: list[str] = []
    other: list[str] = []
    declared, actual = settings.neon.history_retention_seconds, project.history_retention_seconds or 0
    if actual != declared:
        found = (
            f"history kept {human_duration(actual) if actual else 'not at all'}, declared {human_duration(declared)}"
        )
        (worse if actual < declared else other).append(found)
    if branch.protected != settings.neon.protect_default_branch:
        found = f"branch {branch.name} is {'' if branch.protected else 'not '}protected"
        (other if branch.protected else worse).append(found + " (the stack file says otherwise)")
    return worse, other


def _schedule_weaker(declared: list[dict[str, str | int]], actual: list[dict[str, object]]) -> bool:
    """Some declared frequency is missing, or kept for less time, in Neon's schedule."""
    for entry in declared:
        found = next((a for a in actual if a.get("frequency") == entry["frequency"]), None)
        if found is None:
            return True
        kept, wanted = found.get("retention_seconds"), entry.get("retention_seconds")
        if isinstance(kept, int) and (wanted is None or (isinstance(wanted, int) and kept < wanted)):
            return True
    return False


def snapshot_check(
    snapshots: list[Snapshot], settings: NeonStack, branch_id: str, now: datetime, monitoring: MonitoringSettings
) -> Check:
    threshold = monitoring.snapshot_age_hours
    name = "newest snapshot"
    if threshold is None:
        return skipped(name, "off for this stack (null in monitoring:)")
    own = [s for s in snapshots if s.source_branch_id in (None, branch_id)]
    hint = (
        f"check the schedule (`{cli_command('backups', 'list', '--stack', settings.stack)}`; "
        "neon.backupSchedule in the stack file) and Neon's failed operations"
    )
    if not own:
        return Check(
            name=name, status="critical", threshold=threshold, detail="no snapshot of the default branch", hint=hint
        )
    newest = max(own, key=lambda s: s.created_at)
    hours = round((now - newest.created_at).total_seconds() / 3_600, 2)
    return Check(
        name=name,
        status=judge(hours, threshold),
        value=hours,
        unit=" h",
        threshold=threshold,
        detail=f"{newest.name} ({newest.id}), {'manual' if newest.manual else 'scheduled'}",
        hint=hint,
    )
