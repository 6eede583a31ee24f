"""`workshelf-infra:neon.backupSchedule` — the snapshots Neon takes of the default (root) branch.

    backupSchedule:
      - {frequency: daily, hour: 3, retentionDays: 30}
      - {frequency: monthly, day: 1, hour: 4, retentionDays: 365}

Times are UTC. Each entry says how often (`hourly`, `daily`, `weekly`, `monthly`, `yearly`), and only the
fields that frequency uses: `hour` (daily and longer), `day` (weekly: 1 = Monday .. 7 = Sunday; monthly
and yearly: the day of the month), `month` (yearly). `retentionDays` is how long each snapshot is kept
(absent: until deleted). The whole list is Neon's schedule; an empty list (or none) turns it off.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field, model_validator

from infra.config.plans import ScheduleDay, ScheduleHour, ScheduleMonth, SnapshotFrequency, human_duration
from infra.config.section import Section

DAY_SECONDS: Final = 86_400
# Which of hour, day and month each frequency uses (Neon ignores the others: we refuse them instead).
USES: Final[dict[str, tuple[str, ...]]] = {
    "hourly": (),
    "daily": ("hour",),
    "weekly": ("hour", "day"),
    "monthly": ("hour", "day"),
    "yearly": ("hour", "day", "month"),
}
RetentionDays = Annotated[int, Field(ge=1, le=36_600)]


class BackupScheduleEntry(Section):
    frequency: SnapshotFrequency
    hour: ScheduleHour | None = None
    day: ScheduleDay | None = None
    month: ScheduleMonth | None = None
    retention_days: RetentionDays | None = None

    @model_validator(mode="after")
    def _fields_of_the_frequency(self) -> BackupScheduleEntry:
        uses = USES[self.frequency]
        unused = [f for f in ("hour", "day", "month") if getattr(self, f) is not None and f not in uses]
        if unused:
            allowed = ", ".join(uses) if uses else "none of hour, day, month"
            verb = "does" if len(unused) == 1 else "do"
            raise ValueError(
                f"{' and '.join(unused)} {verb} not apply to a {self.frequency} snapshot; it uses {allowed}"
            )
        if self.frequency == "weekly" and self.day is not None and self.day > 7:
            raise ValueError(f"a weekly snapshot's day is a day of the week, 1 (Monday) to 7 (Sunday); got {self.day}")
        return self

    @property
    def retention_seconds(self) -> int | None:
        return None if self.retention_days is None else self.retention_days * DAY_SECONDS

    def wire(self) -> dict[str, str | int]:
        """The entry as Neon's BackupScheduleItem has it (`retention_seconds`; unset fields left out)."""
        fields = {"hour": self.hour, "day": self.day, "month": self.month, "retention_seconds": self.retention_seconds}
        return {"frequency": self.frequency, **{k: v for k, v in fields.items() if v is not None}}

    def describe(self) -> str:
        return describe(self.frequency, self.hour, self.day, self.month, self.retention_seconds)


def describe(frequency: str, hour: int | None, day: int | None, month: int | None, retention: int | None) -> str:
    """`daily at 03:00 UTC, kept 30 days`: one schedule entry, for previews, PR comments and health."""
    at = f"at {hour or 0:02d}:00 UTC"
    when = {
        "hourly": "every hour",
        "daily": f"daily {at}",
        "weekly": f"weekly on day {day or 1} (1 = Monday) {at}",
        "monthly": f"monthly on day {day or 1} {at}",
        "yearly": f"yearly on {month or 1:02d}-{day or 1:02d} {at}",
    }.get(frequency, frequency)
    return f"{when}, {f'kept {human_duration(retention)}' if retention else 'kept until deleted'}"
