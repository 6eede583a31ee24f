"""Endpoints (computes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from infra.config.plans import ComputeUnits, SuspendTimeoutSeconds
from infra.neon.models._base import RequestModel, ResponseModel, SettingsModel
from infra.neon.models.projects import PreloadLibraries

EndpointType = Literal["read_write", "read_only"]


class EndpointSettings(SettingsModel):
    pg_settings: dict[str, str] | None = None
    pgbouncer_settings: dict[str, str] | None = None
    preload_libraries: PreloadLibraries | None = None


class Endpoint(ResponseModel):
    """A compute. `current_state` is init, active or idle."""

    id: str
    project_id: str
    branch_id: str
    host: str
    type: str
    current_state: str
    region_id: str | None = None
    name: str | None = None
    pending_state: str | None = None
    autoscaling_limit_min_cu: float | None = None
    autoscaling_limit_max_cu: float | None = None
    suspend_timeout_seconds: int | None = None
    provisioner: str | None = None
    settings: EndpointSettings | None = None
    pooler_enabled: bool | None = None
    pooler_mode: str | None = None
    disabled: bool | None = None
    passwordless_access: bool | None = None
    last_active: datetime | None = None
    started_at: datetime | None = None
    suspended_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class _EndpointOptions(RequestModel):
    autoscaling_limit_min_cu: ComputeUnits | None = None
    autoscaling_limit_max_cu: ComputeUnits | None = None
    suspend_timeout_seconds: SuspendTimeoutSeconds | None = None
    provisioner: str | None = None
    settings: EndpointSettings | None = None


class EndpointCreate(_EndpointOptions):
    """Body of create_endpoint. A branch has at most one read_write endpoint (a second gives 409)."""

    branch_id: str
    type: EndpointType
    region_id: str | None = None
    pooler_enabled: bool | None = None
    pooler_mode: Literal["transaction"] | None = None
    disabled: bool | None = None
    name: str | None = Field(default=None, min_length=1, max_length=64)


class EndpointUpdate(_EndpointOptions):
    """Body of update_endpoint. `disabled=True` suspends it and blocks wake-ups."""

    pooler_enabled: bool | None = None
    pooler_mode: Literal["transaction"] | None = None
    disabled: bool | None = None
    name: str | None = Field(default=None, min_length=1, max_length=64)


class BranchEndpointOptions(_EndpointOptions):
    """An endpoint to create together with a branch (create_branch `endpoints=[...]`)."""

    type: EndpointType
