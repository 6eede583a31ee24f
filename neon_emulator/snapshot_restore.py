"""Restoring a snapshot: a new root branch with the snapshot's roles, databases (and data), then
optionally *finalizing* it, which makes it take the place of the branch it was restored for.

Finalize, as Neon describes it: the target's computes move to the restored branch (and restart), the
restored branch takes the target's name, and the target is renamed (`name`, else `<name> (old)`). The
emulator also moves the default flag, protection and the backup schedule, so the restored branch
"functions as the original branch it replaced". Without finalize the restored branch gets its own
read-write compute, so its data can be inspected first.
"""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.branches import ensure_name_free
from neon_emulator.builders import new_branch, new_endpoint
from neon_emulator.core import synchronized
from neon_emulator.endpoints import running
from neon_emulator.errors import Unprocessable
from neon_emulator.models import Branch, Endpoint, Project, Snapshot
from neon_emulator.operations import Operation, OpStep
from neon_emulator.requests import BranchEndpointOptions
from neon_emulator.requests_snapshots import FinalizeRestoreRequest, SnapshotRestoreRequest
from neon_emulator.results import SnapshotRestored
from neon_emulator.rules import check_branch_quota
from neon_emulator.snapshots import SnapshotsMixin
from neon_emulator.timeutil import rfc3339


def _free_name(project: Project, wanted: str) -> str:
    """`wanted`, or `wanted (2)`, `wanted (3)`... when a branch already has that name."""
    taken = {branch.name for branch in project.branches.values()}
    candidate, number = wanted, 1
    while candidate in taken:
        number += 1
        candidate = f"{wanted} ({number})"
    return candidate


class SnapshotRestoreMixin(SnapshotsMixin):
    @synchronized
    def restore_snapshot(self, project_id: str, snapshot_id: str, request: SnapshotRestoreRequest) -> SnapshotRestored:
        project, now = self._project(project_id), self.now()
        snapshot = self._snapshot(project, snapshot_id)
        target = self._branch(project, request.target_branch_id or snapshot.source_branch_id)
        if request.name is not None:
            ensure_name_free(project, request.name)
        name = request.name or _free_name(project, f"{target.name}_restored_{rfc3339(snapshot.timestamp)}")
        plan = self._plan_of(project)
        check_branch_quota(plan, project)
        branch_id, preview = self.ids.branch_id(), None
        if not request.finalize_restore:  # built first: a refused compute must leave nothing behind
            options = BranchEndpointOptions(type="read_write")
            preview = new_endpoint(self.ids, plan, project, branch_id=branch_id, options=options, now=now)
        self._ensure_unlocked(project)
        branch = self._branch_from_snapshot(project, snapshot, name, target, branch_id)
        steps = [OpStep("create_branch", branch.id)]
        if preview is None:
            steps += self._finalize(project, branch, target, None)
        else:
            project.endpoints[preview.id] = preview
            steps.append(OpStep("start_compute", branch.id, preview.id))
        operations = self._schedule(project, steps)
        branch.state.move("ready", operations[0].end_at, now)
        if preview is not None:
            preview.state.move("active", operations[-1].end_at, now)
        return deepcopy(SnapshotRestored(branch, project.endpoints_of(branch.id), operations))

    @synchronized
    def finalize_restore_branch(
        self, project_id: str, branch_id: str, request: FinalizeRestoreRequest
    ) -> list[Operation]:
        project = self._project(project_id)
        branch = self._branch(project, branch_id)
        if branch.restore_status != "restored":
            raise Unprocessable(
                f"branch {branch_id} is not a snapshot restore awaiting finalization (restore_status: "
                f"{branch.restore_status or 'none'})"
            )
        target = project.branches.get(branch.restore_target_id or "")
        if target is None:
            raise Unprocessable(f"branch {branch.restore_target_id} that {branch_id} was to replace no longer exists")
        if request.name is not None:
            ensure_name_free(project, request.name, exclude=target.id)
        self._ensure_unlocked(project)
        return deepcopy(self._schedule(project, self._finalize(project, branch, target, request.name)))

    def _branch_from_snapshot(
        self, project: Project, snapshot: Snapshot, name: str, target: Branch, branch_id: str
    ) -> Branch:
        now = self.now()
        branch = new_branch(self.ids, project, name, now, branch_id=branch_id)
        branch.restore_status, branch.restored_from, branch.restore_target_id = "restored", snapshot.id, target.id
        branch.logical_size = snapshot.full_size
        branch.roles, branch.databases = self._copy_objects(
            snapshot.id, snapshot.roles.values(), snapshot.databases.values(), branch.id
        )
        project.branches[branch.id] = branch
        return branch

    def _finalize(self, project: Project, restored: Branch, target: Branch, name: str | None) -> list[OpStep]:
        """Swap `restored` in for `target`; the operations that restart the computes it takes over."""
        now = self.now()
        steps: list[OpStep] = []
        moved = project.endpoints_of(target.id)
        if moved:  # the target's computes replace the preview compute
            for preview in project.endpoints_of(restored.id):
                steps += self._retire(project, preview)
        for endpoint in moved:
            endpoint.branch_id, endpoint.updated_at = restored.id, now
            if running(endpoint):
                steps += [OpStep(a, restored.id, endpoint.id) for a in ("suspend_compute", "start_compute")]
        old_name = name or _free_name(project, f"{target.name} (old)")
        restored.name, target.name = target.name, old_name
        restored.default, target.default = target.default, False
        restored.protected, target.protected = target.protected, False
        restored.backup_schedule, target.backup_schedule = target.backup_schedule, []
        restored.schedule_checked_at = now
        restored.restore_status, restored.restored_as = "finalized", target.id
        restored.updated_at = target.updated_at = now
        return steps

    def _retire(self, project: Project, endpoint: Endpoint) -> list[OpStep]:
        del project.endpoints[endpoint.id]
        project.gone.add(endpoint.id)
        return [OpStep("suspend_compute", endpoint.branch_id, endpoint.id)] if running(endpoint) else []
