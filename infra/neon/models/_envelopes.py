"""Wire envelopes (`{"branch": ..., "operations": [...]}`); unwrapped inside the client."""

from __future__ import annotations

from pydantic import SecretStr

from infra.neon.models._base import ResponseModel
from infra.neon.models.branches import Branch
from infra.neon.models.endpoints import Endpoint
from infra.neon.models.operations import Operation
from infra.neon.models.projects import Project
from infra.neon.models.roles import Database, Role, RoleWithPassword
from infra.neon.models.snapshots import BackupScheduleItem, Snapshot


def lift_cursor(payload: object, key: str) -> object:
    """Copy `pagination[key]` to a top-level `cursor` so one flat model validates a page.

    Projects and operations use `pagination.cursor`; branches use `pagination.next`.
    """
    if not isinstance(payload, dict):
        return payload
    pagination = payload.get("pagination")
    cursor = pagination.get(key) if isinstance(pagination, dict) else None
    return {**payload, "cursor": cursor or None}


class WithOperations(ResponseModel):
    operations: list[Operation] = []


class ProjectEnvelope(WithOperations):
    project: Project


class ProjectPage(ResponseModel):
    projects: list[Project]
    cursor: str | None = None


class BranchEnvelope(WithOperations):
    branch: Branch


class BranchPage(ResponseModel):
    branches: list[Branch]
    cursor: str | None = None


class DatabaseEnvelope(WithOperations):
    database: Database


class DatabaseList(ResponseModel):
    databases: list[Database]


class RoleEnvelope(WithOperations):
    role: Role


class RolePasswordEnvelope(RoleEnvelope):
    role: RoleWithPassword


class RoleList(ResponseModel):
    roles: list[Role]


class RolePassword(ResponseModel):
    password: SecretStr


class EndpointEnvelope(WithOperations):
    endpoint: Endpoint


class EndpointList(ResponseModel):
    endpoints: list[Endpoint]


class OperationEnvelope(ResponseModel):
    operation: Operation


class OperationPage(ResponseModel):
    operations: list[Operation]
    cursor: str | None = None


class ConnectionUri(ResponseModel):
    uri: SecretStr


class BackupScheduleEnvelope(ResponseModel):
    schedule: list[BackupScheduleItem] = []


class SnapshotEnvelope(WithOperations):
    snapshot: Snapshot


class SnapshotList(ResponseModel):
    snapshots: list[Snapshot]
