"""Request bodies and query parameters of the snapshot and backup-schedule API (Beta in Neon's spec)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from neon_emulator.requests import Body
from neon_emulator.validation import BranchName, Lsn, ResourceId, Timestamp

Frequency = Literal["hourly", "daily", "weekly", "monthly", "yearly"]
# BackupScheduleItem.retention_seconds: "minimum 3600"; absent = kept until deleted.
MIN_RETENTION_SECONDS = 3600
# A snapshot name is free text in the spec; Neon's branch-name bound keeps it sane.
SnapshotName = BranchName


class BackupScheduleItem(Body):
    """One schedule entry. `day` is the day of the week (1 = Monday … 7 = Sunday) for weekly entries and
    the day of the month for monthly and yearly ones; fields that do not apply to a frequency are ignored."""

    frequency: Frequency
    hour: Annotated[int, Field(ge=0, le=23)] | None = None
    day: Annotated[int, Field(ge=1, le=31)] | None = None
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    retention_seconds: Annotated[int, Field(ge=MIN_RETENTION_SECONDS, le=100 * 366 * 86_400)] | None = None

    @model_validator(mode="after")
    def _weekday(self) -> BackupScheduleItem:
        if self.frequency == "weekly" and self.day is not None and self.day > 7:
            raise ValueError("a weekly entry's day is a day of the week, 1 (Monday) to 7 (Sunday)")
        return self


class BackupSchedule(Body):
    schedule: Annotated[list[BackupScheduleItem], Field(max_length=20)]


class SnapshotQuery(Body):
    """`POST …/snapshot` takes its parameters in the query string."""

    lsn: Lsn | None = None
    timestamp: Timestamp | None = None
    name: SnapshotName | None = None
    expires_at: Timestamp | None = None


class SnapshotUpdate(Body):
    # The spec lists `name`; Neon's CLI also sends `expires_at` (null keeps the snapshot forever).
    nullable = frozenset({"expires_at"})
    name: SnapshotName | None = None
    expires_at: Timestamp | None = None


class SnapshotUpdateRequest(Body):
    snapshot: SnapshotUpdate


class SnapshotRestoreRequest(Body):
    name: BranchName | None = None
    target_branch_id: ResourceId | None = None
    finalize_restore: bool = False


class FinalizeRestoreRequest(Body):
    name: BranchName | None = None
