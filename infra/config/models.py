"""The typed stack settings. Field aliases are the camelCase keys written in `Pulumi.<stack>.yaml`.

A stack is either the dev stack (a local PostgreSQL: `DevStack`) or a Neon stack (staging, production:
`NeonStack`); `StackSettings` is their union, told apart by `environment`, so code that holds a
`NeonStack` always has its `neon` section and never needs to check.
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from infra.config.backups import BackupScheduleEntry
from infra.config.ips import check_ip_entry
from infra.config.monitoring import MonitoringSettings
from infra.config.names import BranchName, Identifier, RoleName
from infra.config.plans import (
    KNOWN_REGIONS,
    PG_VERSIONS,
    ComputeUnits,
    Plan,
    RetentionSeconds,
    SuspendTimeoutSeconds,
)
from infra.config.release import WindowText
from infra.config.section import Section

# The stacks, which are the environments: each stack file declares its own `environment`.
NeonEnvironment = Literal["staging", "production"]
Environment = Literal["dev", NeonEnvironment]
ENVIRONMENTS: Final[tuple[Environment, ...]] = get_args(Environment)
NEON_ENVIRONMENTS: Final[tuple[NeonEnvironment, ...]] = get_args(NeonEnvironment)

# The dev database's engine: what runs it, and what a stack file (or `--engine`) may ask for.
EngineName = Literal["docker", "native"]
EngineRequest = Literal["auto", EngineName]

_PINNED_IMAGE = re.compile(r"^postgres:(\d{2})(\.\d+)?(-[a-z0-9.]+)?$")
_VOLUME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$")
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_NEON_ID = re.compile(r"^[a-z0-9-]{1,60}$")


MIN_REASON = 10  # characters of a safety override's reason, once stripped


def _reason(value: str) -> str:
    if len(value.strip()) < MIN_REASON:
        raise ValueError(f"must be the reason for the exception, at least {MIN_REASON} characters of text")
    return value.strip()


Reason = Annotated[str, AfterValidator(_reason)]
IpEntry = Annotated[str, AfterValidator(check_ip_entry)]


class DevSettings(Section):
    """`workshelf-infra:dev` — the developer's local PostgreSQL."""

    engine: EngineRequest = "auto"
    image: str = Field(description="pinned `postgres:<major>` image for the Docker engine")
    port: int = Field(ge=1024, le=65535)
    volume: str
    database: Identifier
    role: RoleName
    data_dir: str = ".dev/pgdata"

    @field_validator("image")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not _PINNED_IMAGE.match(value):
            raise ValueError("must be a pinned official image such as `postgres:17` or `postgres:17.6` (not `latest`)")
        return value

    @field_validator("volume")
    @classmethod
    def _volume(cls, value: str) -> str:
        if not _VOLUME.match(value):
            raise ValueError("must be a Docker volume name: letters, digits, `_`, `.`, `-`")
        return value

    @field_validator("data_dir")
    @classmethod
    def _inside_dev(cls, value: str) -> str:
        # The data directory holds real data and a password: it must stay under the git-ignored `.dev/`.
        if not value.startswith(".dev/") or ".." in value.split("/"):
            raise ValueError("must be a path under `.dev/` (git-ignored), e.g. `.dev/pgdata`")
        return value

    @property
    def pg_major(self) -> int:
        """The image's major version (`postgres:17.6` -> 17): `image` matched the pattern when validated."""
        return int(self.image.removeprefix("postgres:").split("-")[0].split(".")[0])


class Autoscaling(Section):
    min_cu: ComputeUnits
    max_cu: ComputeUnits


class NeonProjectSettings(Section):
    """`workshelf-infra:neon` — one Neon project for one environment."""

    project_name: str
    region_id: str
    pg_version: int
    plan: Plan
    history_retention_seconds: RetentionSeconds
    default_branch: BranchName = "main"
    protect_default_branch: bool
    database: Identifier
    role: RoleName
    autoscaling: Autoscaling
    suspend_timeout_seconds: SuspendTimeoutSeconds
    allowed_ips: list[IpEntry] = Field(default_factory=list)
    allowed_ips_protected_branches_only: bool = True
    org_id: str | None = None
    adopt_project_id: str | None = None
    backup_schedule: list[BackupScheduleEntry] = Field(default_factory=list)  # snapshots of the default branch

    @field_validator("project_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _PROJECT_NAME.match(value):
            raise ValueError("must be lower-case letters, digits and `-`, e.g. `workshelf-staging`")
        return value

    @field_validator("region_id")
    @classmethod
    def _region(cls, value: str) -> str:
        if value not in KNOWN_REGIONS:
            raise ValueError(f"unknown Neon region; allowed: {', '.join(KNOWN_REGIONS)}")
        return value

    @field_validator("pg_version")
    @classmethod
    def _pg(cls, value: int) -> int:
        if value not in PG_VERSIONS:
            raise ValueError(f"allowed: {', '.join(map(str, PG_VERSIONS))}")
        return value

    @field_validator("adopt_project_id", "org_id")
    @classmethod
    def _neon_id(cls, value: str | None) -> str | None:
        if value is not None and not _NEON_ID.match(value):
            raise ValueError("must look like a Neon id: lower-case letters, digits and `-`")
        return value


class ReleaseSettings(Section):
    """`workshelf-infra:release` — how `python -m infra release` treats this stack."""

    window: WindowText | None = None  # the low-traffic window (infra/config/release.py); none: no window


class SafetyOverrides(Section):
    """`workshelf-infra:safetyOverrides` — deliberate, reviewed exceptions to production's rules.

    Each value is the reason, so that a pull request that weakens production says why.
    """

    retention_below_30_days: Reason | None = None
    unprotected_default_branch: Reason | None = None
    allow_all_ips: Reason | None = None  # an IP allow list that lets every address in


class MigrationSettings(Section):
    """`workshelf-infra:migrations` — how `migration-lint` judges this stack's migrations."""

    # Rule 1 (expand/contract): a deprecated column or table may be dropped once the deprecation has
    # been applied to this stack for this many days.
    drop_after_days: int = Field(default=14, ge=1, le=365)


class _Stack(BaseModel):
    """What every stack has: its name, its migration rules and (production only, checked by the guards)
    its overrides."""

    model_config = ConfigDict(frozen=True)

    stack: str
    migrations: MigrationSettings = MigrationSettings()
    overrides: SafetyOverrides = SafetyOverrides()


class DevStack(_Stack):
    """The dev stack: the developer's own local PostgreSQL, never Neon."""

    environment: Literal["dev"]
    dev: DevSettings

    @property
    def is_production(self) -> bool:
        return False


class NeonStack(_Stack):
    """Staging or production: one Neon project each."""

    environment: NeonEnvironment
    neon: NeonProjectSettings
    release: ReleaseSettings = ReleaseSettings()
    monitoring: MonitoringSettings = MonitoringSettings()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


# Everything the program needs, validated once at start-up; `environment` says which kind it is.
StackSettings = Annotated[DevStack | NeonStack, Field(discriminator="environment")]
