"""Snapshots and backup schedules (Beta): a root branch's schedule, snapshots, restoring one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from infra.neon._branches import BranchesAPI
from infra.neon._http import Call, QueryValue, Safety
from infra.neon.models._envelopes import BackupScheduleEnvelope, SnapshotEnvelope, SnapshotList, WithOperations
from infra.neon.models.snapshots import BackupScheduleItem, RestoredSnapshot, Snapshot, SnapshotRestore, SnapshotUpdate


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class SnapshotsAPI(BranchesAPI):
    def get_backup_schedule(self, project_id: str, branch_id: str) -> list[BackupScheduleItem]:
        """getSnapshotSchedule: the branch's schedule (empty: none)."""
        path = f"{self._branch_path(project_id, branch_id)}/backup_schedule"
        return self._get("get_backup_schedule", path, BackupScheduleEnvelope).schedule

    def set_backup_schedule(self, project_id: str, branch_id: str, schedule: Sequence[BackupScheduleItem]) -> None:
        """setSnapshotSchedule: replaces the whole schedule (`[]` turns it off); safe to repeat."""
        pid = self._pid(project_id)
        body: dict[str, object] = {"schedule": [item.to_body() for item in schedule]}
        with self._project_lock(pid):
            self._send("set_backup_schedule", "PUT", f"{self._branch_path(pid, branch_id)}/backup_schedule", body=body)

    def create_snapshot(
        self,
        project_id: str,
        branch_id: str,
        *,
        name: str,
        timestamp: datetime | None = None,
        expires_at: datetime | None = None,
        wait: bool = True,
    ) -> Snapshot:
        """createSnapshot of a root branch, now or at `timestamp` (query parameters, as the spec says).
        After a lost response the snapshot is found by its name and adopted, never taken twice."""
        pid = self._pid(project_id)
        params: dict[str, QueryValue] = {"name": name}
        if timestamp is not None:
            params["timestamp"] = _rfc3339(timestamp)
        if expires_at is not None:
            params["expires_at"] = _rfc3339(expires_at)
        path = f"{self._branch_path(pid, branch_id)}/snapshot"
        call = Call("create_snapshot", "POST", path, Safety.UNSAFE, params=params)
        with self._project_lock(pid):
            created = self._post_safely(call, SnapshotEnvelope, lambda sent: self._adopt_snapshot(pid, name, sent))
            self._wait(call.operation, pid, created.operations, wait=wait)
        return created.snapshot

    def list_snapshots(self, project_id: str) -> list[Snapshot]:
        """listSnapshots (unpaginated), oldest first."""
        found = self._get("list_snapshots", f"/projects/{self._pid(project_id)}/snapshots", SnapshotList).snapshots
        return sorted(found, key=lambda s: (s.created_at, s.id))

    def update_snapshot(self, project_id: str, snapshot_id: str, update: SnapshotUpdate) -> Snapshot:
        """updateSnapshot: name, expiry."""
        pid = self._pid(project_id)
        body: dict[str, object] = {"snapshot": update.to_body()}
        with self._project_lock(pid):
            reply = self._send("update_snapshot", "PATCH", self._snapshot_path(pid, snapshot_id), body=body)
        return reply.parse(SnapshotEnvelope).snapshot

    def delete_snapshot(self, project_id: str, snapshot_id: str, *, wait: bool = True) -> bool:
        """deleteSnapshot; False if it was already gone."""
        pid = self._pid(project_id)
        return self._delete(
            "delete_snapshot", self._snapshot_path(pid, snapshot_id), WithOperations, project_id=pid, wait=wait
        )

    def restore_snapshot(
        self, project_id: str, snapshot_id: str, restore: SnapshotRestore, *, wait: bool = True
    ) -> RestoredSnapshot:
        """restoreSnapshot: a new branch from the snapshot (finalized onto its target only when asked).
        Name it: after a lost response the branch is found by that name and adopted."""
        pid = self._pid(project_id)
        call = Call(
            "restore_snapshot",
            "POST",
            f"{self._snapshot_path(pid, snapshot_id)}/restore",
            Safety.UNSAFE,
            body=restore.to_body(),
        )
        with self._project_lock(pid):
            restored = self._post_safely(call, RestoredSnapshot, lambda _t: self._adopt_restored(pid, restore))
            ops = self._wait(call.operation, pid, restored.operations, wait=wait)
        return restored.model_copy(update={"operations": ops})

    # -- helpers ---------------------------------------------------------------------------------

    def _snapshot_path(self, project_id: str, snapshot_id: str) -> str:
        return f"/projects/{self._pid(project_id)}/snapshots/{self._seg(snapshot_id, 'snapshot_id')}"

    def _adopt_snapshot(self, pid: str, name: str, sent_at: float) -> SnapshotEnvelope | None:
        since = sent_at - self.retry.clock_skew
        found = [s for s in self.list_snapshots(pid) if s.name == name and s.created_at.timestamp() >= since]
        return SnapshotEnvelope(snapshot=found[-1]) if found else None

    def _adopt_restored(self, pid: str, restore: SnapshotRestore) -> RestoredSnapshot | None:
        branch = self._branch_named(pid, restore.name, operation="restore_snapshot", doing="restoring")
        if branch is None:
            return None
        return RestoredSnapshot(
            branch=branch,
            endpoints=self.list_endpoints(pid, branch_id=branch.id),
            operations=self._in_flight(pid, branch_id=branch.id),
        )
