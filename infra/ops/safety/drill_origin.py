"""Where a restore drill's copy comes from: the default branch's history at a point, or a snapshot.

Either way the drill gets a new branch with a read-write compute, expiring after a day as a backstop
(the drill deletes it). A snapshot is restored as a new branch beside the default branch and never
finalized: the default branch is not touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra.neon import NeonClient, errors
from infra.neon.models import Branch, BranchCreate, BranchUpdate, EndpointCreate, Snapshot, SnapshotRestore
from infra.ops.followup import cli_command
from infra.ops.neon.branches import THROWAWAY_EXPIRY, create_branch, explain
from infra.ops.neon.budget import check_branch_budget
from infra.ops.neon.target import NeonTarget
from infra.ops.neon.window import HistoryWindow, check_point, default_point, point_ago, stack_window
from infra.ops.safety.errors import SafetyError
from infra.ops.times import at, rfc3339

DEFAULT_AGO = timedelta(hours=1)
LATEST = "latest"


class DrillOrigin(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["history", "snapshot"]
    point: datetime
    window: HistoryWindow | None = None
    snapshot: Snapshot | None = None
    note: str | None = None

    def describe(self) -> str:
        if self.snapshot is not None:
            return f"snapshot {self.snapshot.name} ({self.snapshot.id}) of {rfc3339(self.point)}"
        return f"its history at {rfc3339(self.point)}"


def choose_point(
    window: HistoryWindow, at_point: datetime | None, ago: timedelta | None
) -> tuple[datetime, str | None]:
    if at_point is not None and ago is not None:
        raise SafetyError("give --at or --ago, not both")
    if at_point is not None:
        return check_point(window, at_point, what="the drill point"), None
    if ago is not None:
        return point_ago(window, ago, what="the drill point"), None
    return default_point(window, DEFAULT_AGO)


def history_origin(
    neon: NeonClient,
    target: NeonTarget,
    source: Branch,
    *,
    now: float,
    at_point: datetime | None,
    ago: timedelta | None,
) -> DrillOrigin:
    window = stack_window(neon, target.project_id, source, now)
    point, note = choose_point(window, at_point, ago)
    return DrillOrigin(kind="history", point=point, window=window, note=note)


def snapshot_origin(neon: NeonClient, target: NeonTarget, wanted: str) -> DrillOrigin:
    """`latest` (the newest snapshot of the default branch) or a snapshot's id or name."""
    snapshots = [s for s in neon.list_snapshots(target.project_id) if s.source_branch_id in (None, target.branch_id)]
    if wanted == LATEST:
        found = snapshots[-1] if snapshots else None
    else:
        found = next((s for s in reversed(snapshots) if wanted in (s.id, s.name)), None)
    if found is None:
        newest = ", ".join(f"{s.name} ({s.id})" for s in reversed(snapshots[-5:])) or "none"
        raise SafetyError(
            f"no snapshot {wanted!r} of {target.stack}'s default branch; newest: {newest}",
            hint=f"take one with `{cli_command('backups', 'snapshot', '--stack', target.stack)}`, or declare "
            "neon.backupSchedule in the stack file",
        )
    return DrillOrigin(kind="snapshot", point=found.timestamp or found.created_at, snapshot=found)


def make_drill_branch(
    neon: NeonClient, target: NeonTarget, origin: DrillOrigin, *, name: str, now: float, made: Callable[[Branch], None]
) -> Branch:
    """The drill's branch, with a read-write compute, expiring after a day. `made` hears of the branch as
    soon as it exists, so that the drill deletes it even if a later step here fails."""
    expires = at(now) + THROWAWAY_EXPIRY
    if origin.snapshot is None:
        spec = BranchCreate(name=name, parent_id=target.branch_id, parent_timestamp=origin.point, expires_at=expires)
        branch = create_branch(neon, target, spec, compute=True, doing=f"create drill branch {name}").branch
        made(branch)
        return branch
    check_branch_budget(neon, target, creating=f"branch {name}")
    try:
        restored = neon.restore_snapshot(
            target.project_id,
            origin.snapshot.id,
            SnapshotRestore(name=name, target_branch_id=target.branch_id, finalize_restore=False),
        )
        made(restored.branch)
        branch = neon.update_branch(target.project_id, restored.branch.id, BranchUpdate(expires_at=expires))
        if not any(e.type == "read_write" for e in restored.endpoints):
            neon.create_endpoint(target.project_id, EndpointCreate(branch_id=branch.id, type="read_write"))
    except errors.NeonError as exc:
        doing = f"restore snapshot {origin.snapshot.name} as {name}"
        raise explain(exc, doing=doing, project_id=target.project_id) from None
    return branch
