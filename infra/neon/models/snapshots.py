"""Snapshots and backup schedules (Beta in Neon's API): the schedule of a root branch, and snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import AwareDatetime, Field

from infra.config.plans import (
    ScheduleDay,
    ScheduleHour,
    ScheduleMonth,
    SnapshotFrequency,
    SnapshotRetentionSeconds,
)
from infra.neon.models._base import RequestModel, ResponseModel
from infra.neon.models.branches import Branch
from infra.neon.models.endpoints import Endpoint
from infra.neon.models.operations import Operation


class BackupScheduleItem(RequestModel):
    """One entry of a branch's backup schedule; sent and read back as is (all times UTC)."""

    model_config = RequestModel.model_config | {"extra": "ignore"}

    frequency: SnapshotFrequency
    hour: ScheduleHour | None = None
    day: ScheduleDay | None = None
    month: ScheduleMonth | None = None
    retention_seconds: SnapshotRetentionSeconds | None = None  # None: kept until deleted


class Snapshot(ResponseModel):
    """A snapshot of a root branch at `timestamp`; `manual` is False for scheduled ones."""

    id: str
    name: str
    created_at: datetime
    timestamp: datetime | None = None
    lsn: str | None = None
    source_branch_id: str | None = None
    expires_at: datetime | None = None
    manual: bool = False
    full_size: int | None = None
    diff_size: int | None = None


class SnapshotUpdate(RequestModel):
    """Body of update_snapshot: `name`, and `expires_at` (None, set explicitly, keeps it forever)."""

    _nullable: ClassVar[frozenset[str]] = frozenset({"expires_at"})

    name: str | None = Field(default=None, min_length=1, max_length=256)
    expires_at: AwareDatetime | None = None


class SnapshotRestore(RequestModel):
    """Body of restore_snapshot. Without `finalize_restore` the new branch stands beside the target."""

    name: str | None = Field(default=None, min_length=1, max_length=256)
    target_branch_id: str | None = None
    finalize_restore: bool = False


class RestoredSnapshot(ResponseModel):
    """Result of restore_snapshot: the branch it made (and its compute, when not finalized)."""

    branch: Branch
    endpoints: list[Endpoint] = []
    operations: list[Operation] = []
