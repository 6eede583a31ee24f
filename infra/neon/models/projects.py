"""Projects and the settings blocks they share with endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from infra.config.plans import ComputeUnits, PgVersion, RetentionSeconds, SuspendTimeoutSeconds
from infra.neon.models._base import RequestModel, ResponseModel, SettingsModel


class AllowedIps(SettingsModel):
    """IP Allow: an empty or unset list allows every address."""

    ips: list[str] | None = None
    protected_branches_only: bool | None = None


class ProjectQuota(SettingsModel):
    active_time_seconds: int | None = Field(default=None, ge=0)
    compute_time_seconds: int | None = Field(default=None, ge=0)
    written_data_bytes: int | None = Field(default=None, ge=0)
    data_transfer_bytes: int | None = Field(default=None, ge=0)
    logical_size_bytes: int | None = Field(default=None, ge=0)


class MaintenanceWindow(SettingsModel):
    """Weekdays 1 (Monday) to 7, times "HH:MM" in UTC."""

    weekdays: list[int]
    start_time: str
    end_time: str


class PreloadLibraries(SettingsModel):
    use_defaults: bool | None = None
    enabled_libraries: list[str] | None = None


class ProjectSettings(SettingsModel):
    """`settings` of a project. `enable_logical_replication` is irreversible."""

    quota: ProjectQuota | None = None
    allowed_ips: AllowedIps | None = None
    enable_logical_replication: bool | None = None
    maintenance_window: MaintenanceWindow | None = None
    block_public_connections: bool | None = None
    block_vpc_connections: bool | None = None
    audit_log_level: str | None = None
    hipaa: bool | None = None
    preload_libraries: PreloadLibraries | None = None


class DefaultEndpointSettings(SettingsModel):
    """Defaults for new computes. `suspend_timeout_seconds`: 0 = platform default, -1 = never."""

    pg_settings: dict[str, str] | None = None
    pgbouncer_settings: dict[str, str] | None = None
    autoscaling_limit_min_cu: ComputeUnits | None = None
    autoscaling_limit_max_cu: ComputeUnits | None = None
    suspend_timeout_seconds: SuspendTimeoutSeconds | None = None


class Project(ResponseModel):
    """A Neon project. There is no default-branch field: list branches and look for `default`."""

    id: str
    name: str
    region_id: str
    pg_version: int
    created_at: datetime
    updated_at: datetime | None = None
    org_id: str | None = None
    platform_id: str | None = None
    provisioner: str | None = None
    proxy_host: str | None = None
    owner_id: str | None = None
    creation_source: str | None = None
    store_passwords: bool | None = None
    history_retention_seconds: int | None = None
    settings: ProjectSettings | None = None
    default_endpoint_settings: DefaultEndpointSettings | None = None


class ProjectBranchSpec(RequestModel):
    """The project's first branch. Neon defaults: `main`, `neondb`, `{database_name}_owner`."""

    name: str | None = Field(default=None, min_length=1, max_length=256)
    database_name: str | None = None
    role_name: str | None = None
    annotations: dict[str, str] | None = None


class ProjectCreate(RequestModel):
    """Body of create_project. Give it a `name`: it is how a create with a lost response is found."""

    name: str | None = Field(default=None, min_length=1, max_length=256)
    region_id: str | None = None
    pg_version: PgVersion | None = None
    org_id: str | None = None
    history_retention_seconds: RetentionSeconds | None = None
    store_passwords: bool | None = None
    provisioner: str | None = None
    branch: ProjectBranchSpec | None = None
    default_endpoint_settings: DefaultEndpointSettings | None = None
    settings: ProjectSettings | None = None


class ProjectUpdate(RequestModel):
    """Body of update_project: the only four fields Neon lets you change."""

    name: str | None = Field(default=None, min_length=1, max_length=256)
    settings: ProjectSettings | None = None
    default_endpoint_settings: DefaultEndpointSettings | None = None
    history_retention_seconds: RetentionSeconds | None = None
