"""`NeonBackupSchedule`: the snapshots Neon takes of a root branch (the default branch), from the stack
file's `neon.backupSchedule`.

Neon keeps one schedule per root branch and replaces it whole (`PUT …/backup_schedule`), so create and
update are the same call, and delete turns the schedule off (`[]`). Snapshots already taken stay and
expire by their own retention. Before the first PUT the branch is checked to be a root branch (Neon
takes schedules on root branches only), so the refusal names the branch instead of Neon's bare 4xx.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from infra.config import NeonProjectSettings
from infra.neon import NeonClient, errors
from infra.neon.models import BackupScheduleItem
from infra.providers.base import ProviderProps, TypedProvider


class BackupScheduleProps(ProviderProps):
    project_id: str
    branch_id: str
    schedule: list[BackupScheduleItem]

    @staticmethod
    def schedule_from_settings(neon: NeonProjectSettings) -> list[dict[str, Any]]:
        """The stack file's `neon.backupSchedule` as the schedule input: the one place it becomes props."""
        return wire([BackupScheduleItem.model_validate(entry.wire()) for entry in neon.backup_schedule])


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
        return CreateResult(p.branch_id, {**props, "schedule": wire(p.schedule)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with self.client() as client:
            try:
                actual = client.get_backup_schedule(str(props["project_id"]), id_)
            except errors.NotFoundError:
                return ReadResult(None, {})
        return ReadResult(id_, {**props, "schedule": wire(actual)})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = BackupScheduleProps.from_values(news)
        with self.client() as client:
            _apply(client, p)
        return UpdateResult({**news, "schedule": wire(p.schedule)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Turn the schedule off; a branch or project already gone has none."""
        self.delete_ignoring_gone(lambda client: client.set_backup_schedule(str(props["project_id"]), id_, []))


def _apply(client: NeonClient, p: BackupScheduleProps) -> None:
    if p.schedule:
        branch = client.get_branch(p.project_id, p.branch_id)
        if branch.parent_id is not None:
            raise ValueError(
                f"backup schedules apply to root branches only: branch {branch.name} ({branch.id}) of project "
                f"{p.project_id} is a child of {branch.parent_id}"
            )
    client.set_backup_schedule(p.project_id, p.branch_id, p.schedule)


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
