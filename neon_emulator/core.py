"""Shared machinery of `NeonBackend`: the lock, clock, ids, lookups, operation scheduling and expiry.

The API-operation methods live in mixins (projects, branches, databases/roles, endpoints); each public
method runs under one re-entrant lock after `_settle()` has brought every clock-driven state up to date.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

from neon_emulator.builders import copy_database, copy_role
from neon_emulator.errors import Locked, NotFound
from neon_emulator.faults import FaultSet
from neon_emulator.ids import IdFactory
from neon_emulator.models import Branch, ConnectionDetails, Database, Endpoint, Project, Role
from neon_emulator.operations import Operation, OpStep, schedule_chain
from neon_emulator.pgbacking import PostgresBacking
from neon_emulator.plans import Plan, PlanBook, plan_named
from neon_emulator.requestlog import RequestLog, RequestLogEntry

# Longer operations would push timestamps towards the end of representable time; a day is plenty.
MAX_OPERATION_SECONDS = 86_400.0
P = ParamSpec("P")
R = TypeVar("R")
V = TypeVar("V")
S = TypeVar("S", bound="BackendCore")


def synchronized(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run a backend method under the lock, after settling clock-driven state."""

    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            self._settle()
            return method(self, *args, **kwargs)

    functools.update_wrapper(wrapper, method)
    return wrapper


def _check_operation_seconds(seconds: float) -> None:
    if not 0 <= seconds <= MAX_OPERATION_SECONDS:  # also refuses NaN
        raise ValueError(f"operation_seconds must be between 0 and {MAX_OPERATION_SECONDS:g}")


def found(items: Mapping[str, V], key: str, what: str, where: str = "") -> V:
    """`items[key]`, or Neon's 404 `<what> not found<where>`."""
    item = items.get(key)
    if item is None:
        raise NotFound(f"{what} not found{where}")
    return item


def pooler_host(host: str) -> str:
    label, _, rest = host.partition(".")
    return f"{label}-pooler.{rest}"


class BackendCore:
    def __init__(
        self,
        plan: str = "scale",
        operation_seconds: float = 0.05,
        clock: Callable[[], float] = time.time,
        seed: int = 0,
        postgres: PostgresBacking | None = None,
        *,
        orgs: Mapping[str, str] | None = None,
    ) -> None:
        """`plan` applies to projects without an organization; `orgs` maps organization ids to their plans."""
        self.plans = PlanBook.build(plan, orgs)
        _check_operation_seconds(operation_seconds)
        self._lock = threading.RLock()
        self._clock = clock
        self._seed = seed
        self._operation_seconds = operation_seconds
        self.ids = IdFactory(seed)
        self.postgres = postgres
        self.projects: dict[str, Project] = {}
        self.faults = FaultSet()
        self.log = RequestLog()

    # -- configuration and admin -------------------------------------------------------------------

    @property
    def plan(self) -> Plan:
        """The default plan: projects without an organization, or in an undeclared one."""
        return self.plans.default

    def plan_for(self, org_id: str | None) -> Plan:
        return self.plans.plan_for(org_id)

    def _plan_of(self, project: Project) -> Plan:
        return self.plans.plan_for(project.org_id)

    @property
    def operation_seconds(self) -> float:
        return self._operation_seconds

    @property
    def seed(self) -> int:
        return self._seed

    def now(self) -> float:
        return float(self._clock())

    def configure(
        self,
        *,
        operation_seconds: float | None = None,
        plan: str | None = None,
        orgs: Mapping[str, str] | None = None,
    ) -> None:
        """Change settings at run time; they apply to requests made afterwards (plans also to existing
        projects, as when an organization changes plan in Neon)."""
        with self._lock:
            default = plan_named(plan) if plan is not None else self.plans.default
            if operation_seconds is not None:
                _check_operation_seconds(operation_seconds)
            if orgs is not None:
                self.plans.set_orgs(orgs)
            self.plans.default = default
            if operation_seconds is not None:
                self._operation_seconds = operation_seconds

    def reset(self) -> None:
        """Forget every project, fault and logged request; ids restart from the current seed."""
        with self._lock:
            if self.postgres is not None:
                self.postgres.reset()
            self.projects.clear()
            self.faults.clear()
            self.log.clear()
            self.ids.reseed(self._seed, forget=True)

    def set_seed(self, seed: int) -> None:
        with self._lock:
            self._seed = seed
            self.ids.reseed(seed)

    @property
    def request_log(self) -> list[RequestLogEntry]:
        return self.log.entries()

    def request_counts(self) -> dict[str, int]:
        return self.log.counts()

    # -- clock-driven state ------------------------------------------------------------------------

    def _settle(self) -> None:
        now = self.now()
        for project in self.projects.values():
            for operation in project.operations:
                if not operation.terminal:
                    operation.settle(now)
            for branch in project.branches.values():
                branch.settle(now)
            for endpoint in project.endpoints.values():
                endpoint.settle(now)
            self._run_schedules(project, now)
            self._expire_branches(project, now)

    def _run_schedules(self, project: Project, now: float) -> None:
        """Scheduled snapshots and their expiry (implemented by the snapshots mixin)."""

    def _expire_branches(self, project: Project, now: float) -> None:
        """Neon deletes a branch once its `expires_at` passes; children go before parents."""
        while True:
            due = [
                branch
                for branch in project.branches.values()
                if branch.expires_at is not None
                and branch.expires_at <= now
                and not branch.default
                and not branch.protected
                and not project.children_of(branch.id)
            ]
            if not due:
                return
            for branch in due:
                self._remove_branch(project, branch)

    def _remove_branch(self, project: Project, branch: Branch) -> None:
        if self.postgres is not None:
            self.postgres.drop_branch(branch.id, list(branch.databases), list(branch.roles))
        for endpoint in project.endpoints_of(branch.id):
            del project.endpoints[endpoint.id]
            project.gone.add(endpoint.id)
        del project.branches[branch.id]
        project.gone.add(branch.id)

    # -- lookups -----------------------------------------------------------------------------------

    def _project(self, project_id: str) -> Project:
        return found(self.projects, project_id, f"project {project_id}")

    @staticmethod
    def _branch(project: Project, branch_id: str) -> Branch:
        return found(project.branches, branch_id, f"branch {branch_id}")

    @staticmethod
    def _endpoint(project: Project, endpoint_id: str) -> Endpoint:
        return found(project.endpoints, endpoint_id, f"endpoint {endpoint_id}")

    @staticmethod
    def _database(branch: Branch, name: str) -> Database:
        return found(branch.databases, name, f"database {name!r}", f" on branch {branch.id}")

    @staticmethod
    def _role(branch: Branch, name: str) -> Role:
        return found(branch.roles, name, f"role {name!r}", f" on branch {branch.id}")

    # -- operations --------------------------------------------------------------------------------

    @staticmethod
    def _ensure_unlocked(project: Project) -> None:
        if project.locked():
            raise Locked

    def _schedule(self, project: Project, steps: Sequence[OpStep]) -> list[Operation]:
        operations = schedule_chain(
            project_id=project.id,
            steps=steps,
            now=self.now(),
            seconds=self._operation_seconds,
            new_id=self.ids.operation_id,
            should_fail=lambda: self.faults.take_operation_failure() is not None,
        )
        project.operations.extend(operations)
        return operations

    def _chain_end(self, steps: int) -> float:
        """When a chain of `steps` operations scheduled now will have finished."""
        return self.now() + steps * self._operation_seconds

    # -- copies --------------------------------------------------------------------------------------

    def _copy_objects(
        self,
        source_id: str,
        roles: Iterable[Role],
        databases: Iterable[Database],
        target_id: str,
        *,
        login: bool = True,
        now: float | None = None,
    ) -> tuple[dict[str, Role], dict[str, Database]]:
        """Copies of `roles` and of the `databases` they own, for a branch or snapshot `target_id`, stamped
        `now` (default: the clock); with real PostgreSQL, the roles are created (NOLOGIN unless `login`)
        and the databases copied."""
        now = self.now() if now is None else now
        new_roles = {role.name: copy_role(role, target_id, now, role.password) for role in roles}
        new_databases = {
            d.name: copy_database(self.ids, d, target_id, now) for d in databases if d.owner_name in new_roles
        }
        if self.postgres is not None:
            for role in new_roles.values():
                self.postgres.create_role(target_id, role.name, role.password if login else None)
            owners = [(d.name, d.owner_name) for d in new_databases.values()]
            self.postgres.copy_databases(source_id, target_id, owners, list(new_roles))
        return new_roles, new_databases

    # -- connection strings ------------------------------------------------------------------------

    def _connection_details(
        self, endpoint: Endpoint, role: Role, database: Database, *, pooled: bool = False
    ) -> ConnectionDetails:
        """Neon's URI format; with real PostgreSQL, physical names plus `hostaddr` so it connects."""
        password = role.password or ""
        host, pooler = endpoint.host, pooler_host(endpoint.host)
        target = pooler if pooled else host
        if self.postgres is None:
            user, dbname, authority, options = role.name, database.name, target, "sslmode=require"
        else:
            user = self.postgres.physical_name(role.name, role.branch_id)
            dbname = self.postgres.physical_name(database.name, database.branch_id)
            authority = f"{target}:{self.postgres.port}"
            options = f"sslmode=disable&hostaddr={self.postgres.host_address}"
        credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
        uri = f"postgresql://{credentials}@{authority}/{quote(dbname, safe='')}?{options}"
        return ConnectionDetails(uri, dbname, user, password, host, pooler)
