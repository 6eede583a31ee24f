"""Snapshots and backup schedules (Beta in Neon): the schedule of a root branch, manual snapshots, and
the scheduled ones the emulator takes and expires on its own clock. Restores live in `snapshot_restore.py`.

A snapshot keeps the roles and databases its branch had at the snapshot's point in time; with real
PostgreSQL behind the emulator it also keeps a copy of their data (databases `<name>.<snapshot-id>`
owned by NOLOGIN placeholder roles), taken when the snapshot is made.
"""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.core import BackendCore, found, synchronized
from neon_emulator.errors import LimitExceeded
from neon_emulator.models import Branch, Project, Snapshot
from neon_emulator.operations import Operation
from neon_emulator.requests_snapshots import (
    BackupSchedule,
    BackupScheduleItem,
    SnapshotQuery,
    SnapshotUpdateRequest,
)
from neon_emulator.rules import check_future, check_root, resolve_point
from neon_emulator.schedules import due_times
from neon_emulator.timeutil import format_lsn, lsn_at, rfc3339


class SnapshotsMixin(BackendCore):
    # -- backup schedule ---------------------------------------------------------------------------

    @synchronized
    def get_snapshot_schedule(self, project_id: str, branch_id: str) -> list[BackupScheduleItem]:
        return deepcopy(self._branch(self._project(project_id), branch_id).backup_schedule)

    @synchronized
    def set_snapshot_schedule(self, project_id: str, branch_id: str, request: BackupSchedule) -> None:
        """Replace the schedule (`[]` turns it off); snapshots are due from now on."""
        project = self._project(project_id)
        branch, plan = self._branch(project, branch_id), self._plan_of(project)
        if request.schedule:
            if not plan.backup_schedules:
                raise LimitExceeded(f"backup schedules are not available on the {plan.name} plan")
            check_root(branch, "backup schedules")
        branch.backup_schedule = list(request.schedule)
        branch.schedule_checked_at = self.now()

    # -- snapshots ---------------------------------------------------------------------------------

    @synchronized
    def create_snapshot(self, project_id: str, branch_id: str, query: SnapshotQuery) -> Snapshot:
        project, now = self._project(project_id), self.now()
        branch, plan = self._branch(project, branch_id), self._plan_of(project)
        check_root(branch, "snapshots")
        manual = sum(1 for snapshot in project.snapshots.values() if snapshot.manual)
        if manual >= plan.max_manual_snapshots:
            raise LimitExceeded(
                f"the {plan.name} plan allows at most {plan.max_manual_snapshots} manual snapshots per project"
            )
        point = resolve_point(project, branch, query.timestamp, query.lsn, now, prefix="")
        expires_at = check_future(now, query.expires_at, "expires_at")
        name = query.name or f"{branch.name}@{rfc3339(point)}"
        snapshot = self._take_snapshot(project, branch, point, name=name, manual=True, expires_at=expires_at)
        return deepcopy(snapshot)

    @synchronized
    def list_snapshots(self, project_id: str) -> list[Snapshot]:
        snapshots = self._project(project_id).snapshots.values()
        return deepcopy(sorted(snapshots, key=lambda s: (s.created_at, s.id)))

    @synchronized
    def update_snapshot(self, project_id: str, snapshot_id: str, request: SnapshotUpdateRequest) -> Snapshot:
        project, change = self._project(project_id), request.snapshot
        snapshot = self._snapshot(project, snapshot_id)
        expires_at = snapshot.expires_at
        if "expires_at" in change.model_fields_set:
            expires_at = check_future(self.now(), change.expires_at, "expires_at")
        snapshot.name = change.name or snapshot.name
        snapshot.expires_at = expires_at
        return deepcopy(snapshot)

    @synchronized
    def delete_snapshot(self, project_id: str, snapshot_id: str) -> list[Operation]:
        """Neon answers 202 with its operations; the emulator deletes at once and schedules none."""
        project = self._project(project_id)
        self._drop_snapshot(project, self._snapshot(project, snapshot_id))
        return []

    # -- shared with restore and the clock ---------------------------------------------------------

    @staticmethod
    def _snapshot(project: Project, snapshot_id: str) -> Snapshot:
        return found(project.snapshots, snapshot_id, f"snapshot {snapshot_id}")

    def _take_snapshot(
        self, project: Project, branch: Branch, point: float, *, name: str, manual: bool, expires_at: float | None
    ) -> Snapshot:
        """Keep the roles and databases `branch` had at `point` (and, if backed, a copy of their data)."""
        created = self.now() if manual else point  # a scheduled snapshot is made at its moment
        snapshot = Snapshot(
            id=self.ids.snapshot_id(),
            project_id=project.id,
            name=name,
            source_branch_id=branch.id,
            created_at=created,
            timestamp=point,
            lsn=format_lsn(lsn_at(project.created_at, point)),
            manual=manual,
            full_size=branch.logical_size,
            expires_at=expires_at,
        )
        # Passwords are kept for the branches a restore makes; the placeholder server roles never log in.
        snapshot.roles, snapshot.databases = self._copy_objects(
            branch.id,
            [role for role in branch.roles.values() if role.created_at <= point],
            [database for database in branch.databases.values() if database.created_at <= point],
            snapshot.id,
            login=False,
        )
        project.snapshots[snapshot.id] = snapshot
        return snapshot

    def _drop_snapshot(self, project: Project, snapshot: Snapshot) -> None:
        if self.postgres is not None:
            self.postgres.drop_branch(snapshot.id, list(snapshot.databases), list(snapshot.roles))
        del project.snapshots[snapshot.id]

    def _run_schedules(self, project: Project, now: float) -> None:
        """Take the scheduled snapshots that fell due since the last check, then expire old snapshots."""
        for branch in list(project.branches.values()):
            if not branch.backup_schedule or branch.parent_id is not None:
                continue
            due = sorted(
                (
                    (moment, item)
                    for item in branch.backup_schedule
                    for moment in due_times(item, branch.schedule_checked_at, now)
                ),
                key=lambda pair: pair[0],
            )
            for moment, item in due:
                retention = item.retention_seconds
                name = f"{branch.name}-{item.frequency}-{rfc3339(moment)}"
                expires_at = None if retention is None else moment + retention
                self._take_snapshot(project, branch, moment, name=name, manual=False, expires_at=expires_at)
            branch.schedule_checked_at = now
        for snapshot in list(project.snapshots.values()):
            if snapshot.expires_at is not None and snapshot.expires_at <= now:
                self._drop_snapshot(project, snapshot)
