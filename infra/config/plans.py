"""What Neon's plans allow, as far as this repository's settings are concerned.

Sources: Neon's plan and history-window documentation (summarised in the team's neon-api notes §3.6,
§6, §8). Validating these in config means a bad value fails in seconds, before any API call, instead
of half-way through `pulumi up`.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field

Plan = Literal["free", "launch", "scale"]

# history_retention_seconds caps (the point-in-time-restore window).
RETENTION_CAP_SECONDS: Final[dict[Plan, int]] = {"free": 21_600, "launch": 604_800, "scale": 2_592_000}
# Protected branches per project (none on Free).
PROTECTED_BRANCH_LIMIT: Final[dict[Plan, int]] = {"free": 0, "launch": 2, "scale": 5}
# Autoscaling upper bound in compute units.
MAX_AUTOSCALING_CU: Final[dict[Plan, float]] = {"free": 2.0, "launch": 16.0, "scale": 16.0}
# Branches per project, the default branch included (neon-api.md §7.4: 10 on Free and Launch, 25 on
# Scale). Free refuses more; paid plans bill every branch beyond these, so they are our budget either way.
BRANCH_LIMIT: Final[dict[Plan, int]] = {"free": 10, "launch": 10, "scale": 25}
# Snapshots (Beta; neon-api.md §8.2-8.3): manual snapshots per project, and the plans whose root
# branches can take a backup schedule (paid plans; scheduled snapshots do not count against the limit).
MANUAL_SNAPSHOT_LIMIT: Final[dict[Plan, int]] = {"free": 1, "launch": 100, "scale": 100}
BACKUP_SCHEDULE_PLANS: Final[frozenset[Plan]] = frozenset({"launch", "scale"})
# IP allow lists are a Scale feature.
IP_ALLOW_PLANS: Final[frozenset[Plan]] = frozenset({"scale"})

PRODUCTION_MIN_RETENTION_SECONDS: Final = 2_592_000  # 30 days: the backups the business asked for

# Bounds Neon's API enforces whatever the plan; the stack settings, the provider props and the Neon
# client's models all validate against these (the emulator keeps its own copy: it never imports infra).
MAX_RETENTION_SECONDS: Final = max(RETENTION_CAP_SECONDS.values())
COMPUTE_UNIT_STEP: Final = 0.25  # autoscaling limits are multiples of a quarter compute unit, at least one
MAX_SUSPEND_TIMEOUT_SECONDS: Final = 604_800  # -1: never suspend; 0: Neon's default; at most a week

KNOWN_REGIONS: Final[tuple[str, ...]] = (
    "aws-us-east-1",
    "aws-us-east-2",
    "aws-us-west-2",
    "aws-eu-central-1",
    "aws-eu-west-2",
    "aws-ap-southeast-1",
    "aws-ap-southeast-2",
    "aws-sa-east-1",
    "azure-eastus2",
    "azure-westus3",
    "azure-gwc",
)
PG_VERSIONS: Final[tuple[int, ...]] = (14, 15, 16, 17, 18)

# A backup schedule entry (BackupScheduleItem): how often, at which hour (UTC), on which day (of the
# week for weekly entries, 1 = Monday; of the month otherwise), in which month, and how long each
# snapshot is kept (at least an hour; absent = until deleted). Neon's console offers daily, weekly
# and monthly; the spec lists hourly and yearly too.
SnapshotFrequency = Literal["hourly", "daily", "weekly", "monthly", "yearly"]
MIN_SNAPSHOT_RETENTION_SECONDS: Final = 3_600
ScheduleHour = Annotated[int, Field(ge=0, le=23)]
ScheduleDay = Annotated[int, Field(ge=1, le=31)]
ScheduleMonth = Annotated[int, Field(ge=1, le=12)]
SnapshotRetentionSeconds = Annotated[int, Field(ge=MIN_SNAPSHOT_RETENTION_SECONDS)]

# The same bounds as field types, for every model that carries these values.
RetentionSeconds = Annotated[int, Field(ge=0, le=MAX_RETENTION_SECONDS)]
ComputeUnits = Annotated[float, Field(ge=COMPUTE_UNIT_STEP)]
SuspendTimeoutSeconds = Annotated[int, Field(ge=-1, le=MAX_SUSPEND_TIMEOUT_SECONDS)]
PgVersion = Annotated[int, Field(ge=min(PG_VERSIONS), le=max(PG_VERSIONS))]


def human_duration(seconds: int) -> str:
    """`2592000` -> `30 days`, `21600` -> `6 hours`: for messages and PR comments."""
    if seconds % 86_400 == 0 and seconds >= 86_400:
        days = seconds // 86_400
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds % 3_600 == 0 and seconds >= 3_600:
        hours = seconds // 3_600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds} s"
