"""Branches and the composite results of creating projects and branches."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from infra.neon.models._base import RequestModel, ResponseModel
from infra.neon.models.endpoints import Endpoint
from infra.neon.models.operations import Operation
from infra.neon.models.projects import Project
from infra.neon.models.roles import ConnectionDetails, Database, Role


class Branch(ResponseModel):
    """A branch. `current_state`: init, resetting, ready or archived."""

    id: str
    project_id: str
    name: str
    current_state: str | None = None
    pending_state: str | None = None
    parent_id: str | None = None
    parent_lsn: str | None = None
    parent_timestamp: datetime | None = None
    default: bool = False
    protected: bool = False
    init_source: str | None = None
    logical_size: int | None = None
    creation_source: str | None = None
    expires_at: datetime | None = None
    ttl_interval_seconds: int | None = None
    last_reset_at: datetime | None = None
    restore_status: str | None = None
    state_changed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class BranchCreate(RequestModel):
    """Body of create_branch. Without `parent_id` the branch starts from the default branch.

    Give it a `name`: after a create whose response was lost, the branch is found by name.
    """

    name: str | None = Field(default=None, min_length=1, max_length=256)
    parent_id: str | None = None
    parent_lsn: str | None = None
    parent_timestamp: AwareDatetime | None = None
    protected: bool | None = None
    archived: bool | None = None
    init_source: Literal["schema-only", "parent-data"] | None = None
    expires_at: AwareDatetime | None = None


class BranchUpdate(RequestModel):
    """Body of update_branch. `expires_at=None` (set explicitly) removes the expiry."""

    _nullable: ClassVar[frozenset[str]] = frozenset({"expires_at"})

    name: str | None = Field(default=None, min_length=1, max_length=256)
    protected: bool | None = None
    expires_at: AwareDatetime | None = None


class BranchRestore(RequestModel):
    """Body of restore_branch: to the source's head, or to a point in its history."""

    source_branch_id: str
    source_lsn: str | None = None
    source_timestamp: AwareDatetime | None = None
    preserve_under_name: str | None = None


class CreatedBranch(ResponseModel):
    """Result of create_branch; `connection_uris` only when the branch has one role and database."""

    branch: Branch
    endpoints: list[Endpoint] = []
    operations: list[Operation] = []
    roles: list[Role] = []
    databases: list[Database] = []
    connection_uris: list[ConnectionDetails] = []


class CreatedProject(ResponseModel):
    """Result of create_project: the project, its default branch, compute, role (with password) and URIs."""

    project: Project
    branch: Branch
    endpoints: list[Endpoint] = []
    databases: list[Database] = []
    roles: list[Role] = []
    connection_uris: list[ConnectionDetails] = []
    operations: list[Operation] = []
