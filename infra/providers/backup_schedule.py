"""`NeonBackupSchedule`: the snapshots Neon takes of a root branch (the default branch), from the stack
file's `neon.backupSchedule`.

Neon keeps one schedule per root branch and replaces it whole (`PUT …/backup_schedule`), so create and
update are the same call, and delete turns the schedule off (`[]`). Snapshots already taken stay and
expire by their own retention. Neon takes schedules on root branches only; when it refuses one, the
branch is looked up so that the error names it and its parent (on success: one PUT, nothing else).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult
from pydantic import BaseModel, ConfigDict

from infra.config import NeonProjectSettings
from infra.config.plans import ScheduleDay, ScheduleHour, ScheduleMonth, SnapshotFrequency, SnapshotRetentionSeconds
from infra.providers.base import ProviderProps, TypedProvider
from infra.providers.errors import ProviderError

if TYPE_CHECKING:
    from infra.neon import NeonClient
    from infra.neon.models import BackupScheduleItem


class ScheduleEntry(BaseModel):
    """One schedule entry as props, checked with Neon's bounds (`plans.py`). Not the API model
    `BackupScheduleItem` itself: the program and a preview's `check` would then import all of the
    API models (~0.1 s per process), which only the calls to Neon need."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frequency: SnapshotFrequency
    hour: ScheduleHour | None = None
    day: ScheduleDay | None = None
    month: ScheduleMonth | None = None
    retention_seconds: SnapshotRetentionSeconds | None = None

    def api_item(self) -> BackupScheduleItem:
        from infra.neon.models import BackupScheduleItem

        return BackupScheduleItem.model_validate(self.model_dump(exclude_none=True))


class BackupScheduleProps(ProviderProps):
    project_id: str
    branch_id: str
    schedule: list[ScheduleEntry]

    @staticmethod
    def schedule_from_settings(neon: NeonProjectSettings) -> list[dict[str, Any]]:
        """The stack file's `neon.backupSchedule` as the schedule input: the one place it becomes props."""
        entries = [ScheduleEntry.model_validate(entry.wire()) for entry in neon.backup_schedule]
        return [entry.model_dump(exclude_none=True) for entry in entries]


def wire(items: list[BackupScheduleItem]) -> list[dict[str, Any]]:
    """Only the fields set, so that a read-back schedule compares equal to the declared one."""
    return [item.to_body() for item in items]


class NeonBackupScheduleProvider(TypedProvider):
    props_model = BackupScheduleProps
    replace_on: ClassVar[frozenset[str]] = frozenset({"project_id", "branch_id"})

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = BackupScheduleProps.from_values(props)
        with self.client() as client:
            _apply(client, p)
        return CreateResult(p.branch_id, {**props, "schedule": _declared(p)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from infra.neon.errors import NotFoundError

        with self.client() as client:
            try:
                actual = client.get_backup_schedule(str(props["project_id"]), id_)
            except NotFoundError:
                return ReadResult(None, {})
        return ReadResult(id_, {**props, "schedule": wire(actual)})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = BackupScheduleProps.from_values(news)
        with self.client() as client:
            _apply(client, p)
        return UpdateResult({**news, "schedule": _declared(p)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Turn the schedule off; a branch or project already gone has none."""
        self.delete_ignoring_gone(lambda client: client.set_backup_schedule(str(props["project_id"]), id_, []))


def _declared(p: BackupScheduleProps) -> list[dict[str, Any]]:
    return [entry.model_dump(exclude_none=True) for entry in p.schedule]


def _apply(client: NeonClient, p: BackupScheduleProps) -> None:
    """One PUT. Neon takes schedules on root branches only; the default branch this resource is given
    is one, so the branch is looked at only when Neon refuses, to name it (no request on the way up)."""
    from infra.neon.errors import NeonAPIError

    try:
        client.set_backup_schedule(p.project_id, p.branch_id, [entry.api_item() for entry in p.schedule])
    except NeonAPIError as refused:
        if not p.schedule or refused.status_code >= 500:
            raise
        branch = client.get_branch(p.project_id, p.branch_id)
        if branch.parent_id is None:
            raise
        raise ProviderError(
            f"backup schedules apply to root branches only: branch {branch.name} ({branch.id}) of project "
            f"{p.project_id} is a child of {branch.parent_id}"
        ) from refused


class NeonBackupSchedule(Resource, module="neon", name="BackupSchedule"):
    """The backup schedule of a Neon root branch (see the module docstring)."""

    schedule: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        name: str,
        *,
        project_id: pulumi.Input[str],
        branch_id: pulumi.Input[str],
        schedule: list[dict[str, Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"project_id": project_id, "branch_id": branch_id, "schedule": schedule}
        super().__init__(NeonBackupScheduleProvider(), name, props, opts)
