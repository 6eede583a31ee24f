"""The emulator's state: projects own branches and endpoints; branches own databases and roles.

States that Neon moves asynchronously (branch `init` -> `ready`, endpoint `init` -> `active`) are
stored as a pending state plus the clock time at which it takes effect; `settle(now)` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from neon_emulator.operations import Operation
from neon_emulator.requests import DefaultEndpointSettings, EndpointSettings, ProjectSettings
from neon_emulator.requests_snapshots import BackupScheduleItem


@dataclass
class Transition:
    """A state that becomes `pending` at time `until` (the end of the operation that causes it)."""

    current: str
    pending: str | None = None
    until: float | None = None
    changed_at: float = 0.0

    def move(self, pending: str, until: float, now: float) -> None:
        self.pending, self.until = pending, until
        if until <= now:
            self.settle(now)

    def settle(self, now: float) -> bool:
        """Apply a due pending state; True when the state changed."""
        if self.pending is None or self.until is None or now < self.until:
            return False
        self.current, self.changed_at = self.pending, self.until
        self.pending = self.until = None
        return True


@dataclass
class Database:
    id: int
    branch_id: str
    name: str
    owner_name: str
    created_at: float
    updated_at: float


@dataclass
class Role:
    branch_id: str
    name: str
    password: str | None = field(repr=False)
    created_at: float
    updated_at: float

    @property
    def login(self) -> bool:
        return self.password is not None


@dataclass
class Endpoint:
    id: str
    project_id: str
    branch_id: str
    type: str
    region_id: str
    host: str
    autoscaling_limit_min_cu: float
    autoscaling_limit_max_cu: float
    suspend_timeout_seconds: int
    provisioner: str
    settings: EndpointSettings
    state: Transition
    created_at: float
    updated_at: float
    name: str | None = None
    pooler_enabled: bool = False
    pooler_mode: str = "transaction"
    disabled: bool = False
    passwordless_access: bool = False
    started_at: float | None = None
    suspended_at: float | None = None

    def settle(self, now: float) -> None:
        if self.state.settle(now):
            if self.state.current == "active":
                self.started_at = self.state.changed_at
            elif self.state.current == "idle":
                self.suspended_at = self.state.changed_at


@dataclass
class Branch:
    id: str
    project_id: str
    name: str
    created_at: float
    updated_at: float
    state: Transition
    parent_id: str | None = None
    parent_lsn: str | None = None
    parent_timestamp: float | None = None
    default: bool = False
    protected: bool = False
    init_source: str = "parent-data"
    expires_at: float | None = None
    ttl_interval_seconds: int | None = None
    last_reset_at: float | None = None
    logical_size: int = 30_408_704
    annotation: dict[str, str] = field(default_factory=dict)
    databases: dict[str, Database] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    # Names deleted from this branch ("database:x", "role:y"): a repeated DELETE answers 204.
    gone: set[str] = field(default_factory=set)
    backup_schedule: list[BackupScheduleItem] = field(default_factory=list)
    # Scheduled snapshots are due after this moment (when the schedule was set, then the last check).
    schedule_checked_at: float = 0.0
    # A branch made by a snapshot restore: `restored`, then `finalized` once it replaced its target.
    restore_status: str | None = None
    restored_from: str | None = None  # the snapshot's id
    restored_as: str | None = None  # the id of the branch it replaced (set by finalize)
    restore_target_id: str | None = None  # the branch finalize replaces

    def settle(self, now: float) -> None:
        self.state.settle(now)


@dataclass
class Snapshot:
    """A copy of a root branch's roles and databases (and, with real PostgreSQL, their data) at `timestamp`."""

    id: str
    project_id: str
    name: str
    source_branch_id: str
    created_at: float
    timestamp: float
    lsn: str
    manual: bool
    full_size: int
    expires_at: float | None = None
    databases: dict[str, Database] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)


@dataclass
class Project:
    id: str
    name: str
    region_id: str
    pg_version: int
    provisioner: str
    store_passwords: bool
    history_retention_seconds: int
    settings: ProjectSettings
    default_endpoint_settings: DefaultEndpointSettings
    created_at: float
    updated_at: float
    org_id: str | None = None
    owner_id: str = "emulator-user"
    branches: dict[str, Branch] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    # Branch and endpoint ids deleted from this project: a repeated DELETE answers 204.
    gone: set[str] = field(default_factory=set)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)

    @property
    def default_branch(self) -> Branch:
        return next(branch for branch in self.branches.values() if branch.default)

    def children_of(self, branch_id: str) -> list[Branch]:
        return [branch for branch in self.branches.values() if branch.parent_id == branch_id]

    def endpoints_of(self, branch_id: str) -> list[Endpoint]:
        return [endpoint for endpoint in self.endpoints.values() if endpoint.branch_id == branch_id]

    def read_write_endpoint(self, branch_id: str) -> Endpoint | None:
        return next((e for e in self.endpoints_of(branch_id) if e.type == "read_write"), None)

    def locked(self) -> bool:
        """Neon refuses new work while any operation of the project is not terminal."""
        return any(not operation.terminal for operation in self.operations)


def project_view(project: Project) -> Project:
    """A copy of the project's own fields without its children: cheap to take under the lock.

    Safe because settings models are replaced, never mutated in place.
    """
    return replace(project, branches={}, endpoints={}, operations=[], gone=set(), snapshots={})


@dataclass(frozen=True)
class ConnectionDetails:
    """One `connection_uris[]` entry; `uri` and `password` are secrets."""

    uri: str = field(repr=False)
    database: str
    role: str
    password: str = field(repr=False)
    host: str
    pooler_host: str
