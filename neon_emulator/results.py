"""What backend methods return: snapshots (deep copies) taken under the backend lock, safe to serialize."""

from __future__ import annotations

from dataclasses import dataclass, field

from neon_emulator.models import Branch, ConnectionDetails, Database, Endpoint, Project, Role
from neon_emulator.operations import Operation


@dataclass(frozen=True)
class ProjectCreated:
    project: Project
    branch: Branch
    endpoints: list[Endpoint]
    databases: list[Database]
    roles: list[Role]
    operations: list[Operation]
    connection_uris: list[ConnectionDetails]


@dataclass(frozen=True)
class ProjectChanged:
    project: Project
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class ProjectPage:
    projects: list[Project]
    cursor: str | None


@dataclass(frozen=True)
class BranchCreated:
    branch: Branch
    endpoints: list[Endpoint]
    operations: list[Operation]
    roles: list[Role]
    databases: list[Database]
    connection_uris: list[ConnectionDetails] | None


@dataclass(frozen=True)
class BranchChanged:
    branch: Branch
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class BranchPage:
    branches: list[Branch]
    next_cursor: str | None
    sort_by: str
    sort_order: str


@dataclass(frozen=True)
class DatabaseChanged:
    database: Database
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class RoleChanged:
    """`role.password` is shown on the wire only for create and reset_password (`reveal` is True)."""

    role: Role
    operations: list[Operation] = field(default_factory=list)
    reveal: bool = False


@dataclass(frozen=True)
class EndpointChanged:
    endpoint: Endpoint
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class OperationPage:
    operations: list[Operation]
    cursor: str | None


@dataclass(frozen=True)
class SnapshotRestored:
    branch: Branch
    endpoints: list[Endpoint]
    operations: list[Operation]
