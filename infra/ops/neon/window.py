"""The history window (point-in-time restore range) of a branch, and refusals that name its bounds."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from infra.config.plans import human_duration
from infra.neon.models import Branch, Project
from infra.ops.neon.errors import NeonStackError
from infra.ops.times import at, rfc3339

# Our clock and Neon's may differ a little: a default point is kept this far inside the window.
SKEW_MARGIN = timedelta(seconds=60)


class HistoryWindow(BaseModel):
    """[earliest, latest] on `branch_id`: now minus the retention, and never before the branch began."""

    model_config = ConfigDict(frozen=True)

    branch_id: str
    branch_name: str
    retention_seconds: int
    earliest: datetime
    latest: datetime

    @property
    def bounds(self) -> str:
        return f"{rfc3339(self.earliest)} .. {rfc3339(self.latest)} (UTC)"

    def describe(self) -> str:
        return (
            f"the history window of branch {self.branch_name} ({self.branch_id}) is {self.bounds}: "
            f"history_retention_seconds={self.retention_seconds} ({human_duration(self.retention_seconds)})"
        )


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
    for began in (branch.created_at, branch.last_reset_at):
        if began is not None and began > earliest:
            earliest = began
    return HistoryWindow(
        branch_id=branch.id,
        branch_name=branch.name,
        retention_seconds=retention,
        earliest=min(earliest, latest),
        latest=latest,
    )


def check_point(window: HistoryWindow, point: datetime, *, what: str) -> datetime:
    """`point` if it lies inside the window, else a refusal naming the window's bounds."""
    if window.earliest <= point <= window.latest:
        return point
    side = "after now" if point > window.latest else "before the window starts"
    raise NeonStackError(
        f"{what} {rfc3339(point)} is {side}: {window.describe()}",
        hint=f"pick a point between {window.bounds}",
    )


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
