"""Request bodies, parsed at the boundary into pydantic models (field names and ranges from Neon's spec).

Unknown fields are ignored, as Neon's API does; an explicit `null` is refused unless the field says it
may be cleared (`nullable`), and so are non-finite numbers. `parse_body` turns validation failures into
a 400 that names the offending field.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from neon_emulator.errors import BadRequest
from neon_emulator.validation import BranchName, IpEntry, Lsn, PgName, ResourceId, RoleName, Timestamp

# Neon's CU sizes: 0.25 up to 56 (fixed sizes above autoscaling's 16).
ComputeUnit = Annotated[float, Field(ge=0.25, le=56)]
SuspendTimeout = Annotated[int, Field(ge=-1, le=604_800)]
PgVersion = Annotated[int, Field(ge=14, le=18)]
EndpointType = Literal["read_only", "read_write"]
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# The Provisioner values Neon documents.
Provisioner = Literal["k8s-pod", "k8s-neonvm", "serverless-platform", "docker"]
# AnnotationValueData: at most 50 string properties.
Annotations = Annotated[dict[str, str], Field(max_length=50)]


WIRE = {"source": "wire"}


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any, info: ValidationInfo) -> Any:
        """On the wire only (`parse_body`): the emulator's own constructors pass None for "not set"."""
        if isinstance(data, dict) and info.context == WIRE:
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in cls.nullable:
                    raise ValueError(f"{name} must not be null")
        return data


class AllowedIps(Body):
    ips: list[IpEntry] | None = None
    protected_branches_only: bool | None = None


class ProjectQuota(Body):
    active_time_seconds: Annotated[int, Field(ge=0)] | None = None
    compute_time_seconds: Annotated[int, Field(ge=0)] | None = None
    written_data_bytes: Annotated[int, Field(ge=0)] | None = None
    data_transfer_bytes: Annotated[int, Field(ge=0)] | None = None
    logical_size_bytes: Annotated[int, Field(ge=0)] | None = None


class MaintenanceWindow(Body):
    """Weekdays 1 (Monday) to 7, times "HH:MM" in UTC."""

    weekdays: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)]
    start_time: Annotated[str, Field(pattern=CLOCK_TIME)]
    end_time: Annotated[str, Field(pattern=CLOCK_TIME)]


class PreloadLibraries(Body):
    use_defaults: bool | None = None
    enabled_libraries: list[str] | None = None


class ProjectSettings(Body):
    quota: ProjectQuota | None = None
    allowed_ips: AllowedIps | None = None
    enable_logical_replication: bool | None = None
    maintenance_window: MaintenanceWindow | None = None
    block_public_connections: bool | None = None
    block_vpc_connections: bool | None = None
    audit_log_level: Literal["base", "extended", "full"] | None = None
    hipaa: bool | None = None
    preload_libraries: PreloadLibraries | None = None


class DefaultEndpointSettings(Body):
    pg_settings: dict[str, str] | None = None
    pgbouncer_settings: dict[str, str] | None = None
    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None
    suspend_timeout_seconds: SuspendTimeout | None = None


class EndpointSettings(Body):
    pg_settings: dict[str, str] | None = None
    pgbouncer_settings: dict[str, str] | None = None
    preload_libraries: PreloadLibraries | None = None


class ProjectBranchSpec(Body):
    name: BranchName | None = None
    role_name: RoleName | None = None
    database_name: PgName | None = None
    annotations: Annotations | None = None


class ProjectCreate(Body):
    name: BranchName | None = None
    region_id: str | None = None
    pg_version: PgVersion = 17
    provisioner: Provisioner | None = None
    store_passwords: bool = True
    history_retention_seconds: Annotated[int, Field(ge=0, le=2_592_000)] | None = None
    org_id: ResourceId | None = None
    settings: ProjectSettings | None = None
    default_endpoint_settings: DefaultEndpointSettings | None = None
    branch: ProjectBranchSpec | None = None
    # Deprecated project-level limits, still accepted by Neon.
    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None


class ProjectCreateRequest(Body):
    project: ProjectCreate = Field(default_factory=ProjectCreate)


class ProjectUpdate(Body):
    name: BranchName | None = None
    settings: ProjectSettings | None = None
    default_endpoint_settings: DefaultEndpointSettings | None = None
    history_retention_seconds: Annotated[int, Field(ge=0, le=2_592_000)] | None = None


class ProjectUpdateRequest(Body):
    project: ProjectUpdate


class BranchCreate(Body):
    parent_id: ResourceId | None = None
    name: BranchName | None = None
    parent_lsn: Lsn | None = None
    parent_timestamp: Timestamp | None = None
    protected: bool | None = None
    archived: bool | None = None
    init_source: Literal["parent-data", "schema-only"] | None = None
    expires_at: Timestamp | None = None


class BranchEndpointOptions(Body):
    type: EndpointType
    settings: EndpointSettings | None = None
    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None
    provisioner: Provisioner | None = None
    suspend_timeout_seconds: SuspendTimeout | None = None


class BranchCreateRequest(Body):
    branch: BranchCreate = Field(default_factory=BranchCreate)
    endpoints: list[BranchEndpointOptions] = Field(default_factory=list)
    annotation_value: Annotations | None = None


class BranchUpdate(Body):
    # Explicit null clears the expiration; check `model_fields_set` to tell it from "not given".
    nullable = frozenset({"expires_at"})
    name: BranchName | None = None
    protected: bool | None = None
    expires_at: Timestamp | None = None


class BranchUpdateRequest(Body):
    branch: BranchUpdate


class BranchRestoreRequest(Body):
    source_branch_id: ResourceId
    source_lsn: Lsn | None = None
    source_timestamp: Timestamp | None = None
    preserve_under_name: BranchName | None = None


class DatabaseCreate(Body):
    name: PgName
    owner_name: RoleName


class DatabaseCreateRequest(Body):
    database: DatabaseCreate


class DatabaseUpdate(Body):
    name: PgName | None = None
    owner_name: PgName | None = None


class DatabaseUpdateRequest(Body):
    database: DatabaseUpdate


class RoleCreate(Body):
    name: RoleName
    no_login: bool = False


class RoleCreateRequest(Body):
    role: RoleCreate


class _EndpointFields(Body):
    settings: EndpointSettings | None = None
    autoscaling_limit_min_cu: ComputeUnit | None = None
    autoscaling_limit_max_cu: ComputeUnit | None = None
    provisioner: Provisioner | None = None
    pooler_enabled: bool | None = None
    pooler_mode: Literal["transaction"] | None = None
    disabled: bool | None = None
    passwordless_access: bool | None = None
    suspend_timeout_seconds: SuspendTimeout | None = None
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class EndpointCreate(_EndpointFields):
    branch_id: ResourceId
    type: EndpointType
    region_id: str | None = None


class EndpointCreateRequest(Body):
    endpoint: EndpointCreate


class EndpointUpdate(_EndpointFields):
    branch_id: ResourceId | None = None


class EndpointUpdateRequest(Body):
    endpoint: EndpointUpdate


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], body: object, *, required: bool = True, what: str = "request body") -> M:
    """Validate a decoded JSON body (or query parameters); a failure becomes a 400 naming the first bad field.

    `required`: the spec marks the request body required, so an empty request is refused.
    """
    if body is None and required:
        raise BadRequest(f"invalid {what}: a JSON body is required")
    try:
        return model.model_validate({} if body is None else body, context=WIRE)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise BadRequest(f"invalid {what}: {where}: {first['msg']}") from None
