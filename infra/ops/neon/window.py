"""The history window (point-in-time restore range) of a branch, and refusals that name its bounds.

A restore starts a branch's history again: after one, the window begins at the restore, and the state
from before it lives on the pre-restore branch the restore kept. Refusals then say both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from infra.config.plans import human_duration
from infra.neon import NeonClient
from infra.neon.models import Branch, Project
from infra.ops.neon.budget import PRE_RESTORE_PREFIX
from infra.ops.neon.errors import NeonStackError
from infra.ops.times import at, rfc3339

# Our clock and Neon's may differ a little: a default point is kept this far inside the window.
SKEW_MARGIN = timedelta(seconds=60)
# How far a pre-restore branch's creation may lie from the restore it was kept by.
RESTORE_MATCH = timedelta(minutes=10)


class HistoryWindow(BaseModel):
    """[earliest, latest] on `branch_id`: now minus the retention, and never before the branch began."""

    model_config = ConfigDict(frozen=True)

    branch_id: str
    branch_name: str
    retention_seconds: int
    earliest: datetime
    latest: datetime
    restored_at: datetime | None = None  # set when a restore, not the retention, is where the window starts
    pre_restore: str | None = None  # `name (id)` of the branch that kept the state from before that restore

    @property
    def bounds(self) -> str:
        return f"{rfc3339(self.earliest)} .. {rfc3339(self.latest)} (UTC)"

    def describe(self) -> str:
        text = (
            f"the history window of branch {self.branch_name} ({self.branch_id}) is {self.bounds}: "
            f"history_retention_seconds={self.retention_seconds} ({human_duration(self.retention_seconds)})"
        )
        if self.restored_at is None:
            return text
        return f"{text}; it starts at the restore of {rfc3339(self.restored_at)}: {self.before_restore()}"

    def before_restore(self) -> str:
        if self.pre_restore is None:
            return f"no {PRE_RESTORE_PREFIX}* branch from that restore was found"
        return f"the state from before it is on branch {self.pre_restore}"


def history_window(project: Project, branch: Branch, now: float) -> HistoryWindow:
    """Refuses when the project keeps no history at all (retention 0 or unknown)."""
    retention = project.history_retention_seconds or 0
    if retention <= 0:
        raise NeonStackError(
            f"project {project.id} keeps no history (history_retention_seconds={retention}): "
            "point-in-time branches and restores are impossible",
            hint="set historyRetentionSeconds in the stack file (e.g. 604800 = 7 days) and run `pulumi up`",
        )
    latest = at(now)
    earliest = latest - timedelta(seconds=retention)
    # A branch has no history from before it was created, or before its last restore.
    if branch.created_at is not None and branch.created_at > earliest:
        earliest = branch.created_at
    restored = branch.last_reset_at if branch.last_reset_at and branch.last_reset_at > earliest else None
    return HistoryWindow(
        branch_id=branch.id,
        branch_name=branch.name,
        retention_seconds=retention,
        earliest=min(restored or earliest, latest),
        latest=latest,
        restored_at=restored,
    )


def stack_window(neon: NeonClient, project_id: str, branch: Branch, now: float) -> HistoryWindow:
    """The window of `branch`; after a restore, with the pre-restore branch found (one more request)."""
    window = history_window(neon.get_project(project_id), branch, now)
    if window.restored_at is None:
        return window
    kept = pre_restore_branch(neon.list_branches(project_id), window.restored_at)
    return window.model_copy(update={"pre_restore": f"{kept.name} ({kept.id})" if kept else None})


def pre_restore_branch(branches: Sequence[Branch], restored_at: datetime) -> Branch | None:
    """The `backup/pre-restore-*` branch made closest to the restore (within RESTORE_MATCH), if any."""
    kept = [
        (abs(b.created_at - restored_at), b)
        for b in branches
        if b.name.startswith(PRE_RESTORE_PREFIX) and b.created_at is not None
    ]
    near = [(gap, b) for gap, b in kept if gap <= RESTORE_MATCH]
    return min(near, key=lambda pair: pair[0])[1] if near else None


def check_point(window: HistoryWindow, point: datetime, *, what: str) -> datetime:
    """`point` if it lies inside the window, else a refusal naming the window's bounds."""
    if window.earliest <= point <= window.latest:
        return point
    side = "after now" if point > window.latest else "before the window starts"
    hint = f"pick a point between {window.bounds}"
    if window.restored_at is not None and point < window.earliest and window.pre_restore is not None:
        hint += f"; for a point before the restore, use the pre-restore branch {window.pre_restore}"
    raise NeonStackError(f"{what} {rfc3339(point)} is {side}: {window.describe()}", hint=hint)


def point_ago(window: HistoryWindow, ago: timedelta, *, what: str) -> datetime:
    """now - ago, which must lie inside the window."""
    return check_point(window, window.latest - ago, what=what)


def default_point(window: HistoryWindow, ago: timedelta) -> tuple[datetime, str | None]:
    """now - ago, or (with a note) the earliest safe point when the window is shorter than `ago`."""
    wanted = window.latest - ago
    margin = min(SKEW_MARGIN, (window.latest - window.earliest) / 2)
    floor = (window.earliest + margin).replace(microsecond=0)  # Neon's points have second precision
    if wanted >= floor:
        return wanted, None
    return floor, (
        f"the default point ({rfc3339(wanted)}) is older than the window allows; "
        f"using {rfc3339(floor)} instead ({window.describe()})"
    )
