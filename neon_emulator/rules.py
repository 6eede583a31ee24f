"""Neon's validation rules and plan limits, as plain functions raising `EmulatorError`s."""

from __future__ import annotations

import math
from datetime import datetime

from neon_emulator.errors import BadRequest, LimitExceeded, Unprocessable
from neon_emulator.models import Branch, Project
from neon_emulator.plans import REGION_IDS, Plan
from neon_emulator.requests import ProjectSettings
from neon_emulator.timeutil import parse_lsn, rfc3339, time_of_lsn
from neon_emulator.validation import check_pg_identifier, check_role_name

MAX_EXPIRY_SECONDS = 30 * 86_400
# Neon: "the difference between your maximum and minimum compute size cannot exceed 8 CU".
MAX_AUTOSCALING_SPAN_CU = 8.0


def check_region(region_id: str) -> None:
    if region_id not in REGION_IDS:
        raise BadRequest(f"region_id {region_id!r} is not supported; use one of {', '.join(sorted(REGION_IDS))}")


def check_history(plan: Plan, seconds: int) -> None:
    if seconds > plan.max_history_seconds:
        raise LimitExceeded(
            f"history_retention_seconds {seconds} exceeds the {plan.name} plan's limit of "
            f"{plan.max_history_seconds} seconds"
        )


def check_settings(plan: Plan, settings: ProjectSettings | None, *, before: ProjectSettings | None = None) -> None:
    allowed = settings.allowed_ips if settings else None
    if allowed is not None and allowed.ips and not plan.ip_allow:
        raise Unprocessable(f"settings.allowed_ips (IP Allow) is not available on the {plan.name} plan")
    was_logical = bool(before and before.enable_logical_replication)
    if was_logical and settings is not None and settings.enable_logical_replication is False:
        # Neon: enabling logical replication sets wal_level=logical and cannot be reverted.
        raise Unprocessable("settings.enable_logical_replication cannot be turned off once enabled")


def check_compute(plan: Plan, min_cu: float | None, max_cu: float | None) -> None:
    if min_cu is not None and max_cu is not None and min_cu > max_cu:
        raise BadRequest(f"autoscaling_limit_min_cu {min_cu} is greater than autoscaling_limit_max_cu {max_cu}")
    if min_cu is not None and max_cu is not None and max_cu - min_cu > MAX_AUTOSCALING_SPAN_CU:
        raise BadRequest(
            f"autoscaling range {min_cu}-{max_cu} CU is wider than {MAX_AUTOSCALING_SPAN_CU:g} CU "
            "(autoscaling_limit_max_cu - autoscaling_limit_min_cu)"
        )
    for value in (min_cu, max_cu):
        if value is not None and value > plan.max_autoscaling_cu:
            raise LimitExceeded(
                f"autoscaling limit {value} CU exceeds the {plan.name} plan's maximum of {plan.max_autoscaling_cu} CU"
            )


def check_pg_name(kind: str, name: str) -> None:
    """For names the emulator derives (a project's default role is `{database_name}_owner`)."""
    try:
        (check_role_name if kind == "role" else check_pg_identifier)(name)
    except ValueError as exc:
        raise BadRequest(f"{kind} name {name!r}: {exc}") from None


def check_branch_quota(plan: Plan, project: Project, adding: int = 1) -> None:
    if len(project.branches) + adding > plan.max_branches:
        raise LimitExceeded(f"the {plan.name} plan allows at most {plan.max_branches} branches per project")


def check_protected_quota(plan: Plan, project: Project) -> None:
    if plan.max_protected_branches == 0:
        raise LimitExceeded(f"protected branches are not available on the {plan.name} plan")
    protected = sum(1 for branch in project.branches.values() if branch.protected)
    if protected >= plan.max_protected_branches:
        raise LimitExceeded(
            f"the {plan.name} plan allows at most {plan.max_protected_branches} protected branches per project"
        )


def check_expiry(now: float, expires_at: datetime | None, *, protected: bool, default: bool) -> float | None:
    """Validate `expires_at`: in the future, at most 30 days ahead, not on protected or default branches."""
    if expires_at is None:
        return None
    if protected:
        raise BadRequest("expires_at cannot be set on a protected branch")
    if default:
        raise BadRequest("expires_at cannot be set on the default branch")
    moment = expires_at.timestamp()
    if moment <= now:
        raise BadRequest(f"expires_at {rfc3339(moment)} must be in the future (now is {rfc3339(now)})")
    if moment > now + MAX_EXPIRY_SECONDS:
        raise BadRequest(f"expires_at must be at most 30 days ahead (latest {rfc3339(now + MAX_EXPIRY_SECONDS)})")
    return moment


def resolve_point(
    project: Project,
    branch: Branch,
    timestamp: datetime | None,
    lsn: str | None,
    now: float,
    *,
    prefix: str,
) -> float:
    """The time a branch/restore starts from: now, or a point inside the history window of `branch`.

    The window is [now - history_retention_seconds, now], and never reaches back before the branch
    was created (or last reset). `prefix` names the fields (`parent_timestamp`...); "" for plain ones.
    """
    ts_field, lsn_field = (f"{prefix}_timestamp", f"{prefix}_lsn") if prefix else ("timestamp", "lsn")
    if timestamp is not None and lsn is not None:
        raise BadRequest(f"specify either {ts_field} or {lsn_field}, not both")
    if timestamp is None and lsn is None:
        return now
    if timestamp is not None:
        point, given = timestamp.timestamp(), f"{ts_field} {rfc3339(timestamp.timestamp())}"
    else:
        text = lsn or ""
        point = time_of_lsn(project.created_at, parse_lsn(text, field=lsn_field))
        given = f"{lsn_field} {text}"
    born = max(branch.created_at, branch.last_reset_at or branch.created_at)
    earliest = max(now - project.history_retention_seconds, born)
    if not earliest <= point <= now:
        raise BadRequest(
            f"{given} is outside the history window of branch {branch.id}: it must lie between "
            f"{rfc3339(math.ceil(earliest))} and {rfc3339(now)} "
            f"(history_retention_seconds={project.history_retention_seconds})"
        )
    return point


def check_future(now: float, moment: datetime | None, field: str) -> float | None:
    if moment is None:
        return None
    value = moment.timestamp()
    if value <= now:
        raise BadRequest(f"{field} {rfc3339(value)} must be in the future (now is {rfc3339(now)})")
    return value


def check_root(branch: Branch, what: str) -> None:
    """Neon takes snapshots and runs backup schedules on root branches only."""
    if branch.parent_id is not None:
        raise Unprocessable(
            f"{what} are available for root branches only; branch {branch.id} has parent {branch.parent_id}"
        )
