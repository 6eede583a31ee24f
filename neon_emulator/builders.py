"""Constructors for new state objects, shared by the project, branch and endpoint operations."""

from __future__ import annotations

from neon_emulator.ids import IdFactory
from neon_emulator.models import Branch, Database, Endpoint, Project, Role, Transition
from neon_emulator.plans import Plan, region_domain
from neon_emulator.requests import BranchEndpointOptions, EndpointCreate, EndpointSettings
from neon_emulator.rules import check_compute

DEFAULT_MIN_CU = 0.25
DEFAULT_MAX_CU = 2.0
DEFAULT_PROVISIONER = "k8s-neonvm"


def new_endpoint(
    ids: IdFactory,
    plan: Plan,
    project: Project,
    *,
    branch_id: str,
    options: BranchEndpointOptions | EndpointCreate,
    now: float,
) -> Endpoint:
    """An endpoint in state `init`; the caller schedules its `start_compute` and the move to `active`."""
    defaults = project.default_endpoint_settings
    min_cu = options.autoscaling_limit_min_cu or defaults.autoscaling_limit_min_cu or DEFAULT_MIN_CU
    max_cu = (
        options.autoscaling_limit_max_cu
        or defaults.autoscaling_limit_max_cu
        or max(min_cu, min(DEFAULT_MAX_CU, plan.max_autoscaling_cu))
    )
    check_compute(plan, min_cu, max_cu)
    timeout = options.suspend_timeout_seconds
    if timeout is None:
        timeout = defaults.suspend_timeout_seconds or 0
    settings = options.settings or EndpointSettings(
        pg_settings=defaults.pg_settings, pgbouncer_settings=defaults.pgbouncer_settings
    )
    endpoint_id = ids.endpoint_id()
    endpoint = Endpoint(
        id=endpoint_id,
        project_id=project.id,
        branch_id=branch_id,
        type=options.type,
        region_id=project.region_id,
        host=f"{endpoint_id}.{region_domain(project.region_id)}",
        autoscaling_limit_min_cu=min_cu,
        autoscaling_limit_max_cu=max_cu,
        suspend_timeout_seconds=timeout,
        provisioner=options.provisioner or project.provisioner,
        settings=settings,
        state=Transition("init", changed_at=now),
        created_at=now,
        updated_at=now,
    )
    if isinstance(options, EndpointCreate):
        endpoint.name = options.name
        endpoint.pooler_enabled = bool(options.pooler_enabled)
        endpoint.pooler_mode = options.pooler_mode or "transaction"
        endpoint.disabled = bool(options.disabled)
        endpoint.passwordless_access = bool(options.passwordless_access)
    return endpoint


def new_branch(
    ids: IdFactory, project: Project, name: str | None, now: float, *, branch_id: str | None = None
) -> Branch:
    """A branch in state `init` (the caller schedules the move to `ready`); unnamed branches take their id."""
    branch_id = branch_id or ids.branch_id()
    return Branch(
        id=branch_id,
        project_id=project.id,
        name=name or branch_id,
        created_at=now,
        updated_at=now,
        state=Transition("init", changed_at=now),
    )


def copy_role(role: Role, branch_id: str, now: float, password: str | None) -> Role:
    return Role(branch_id=branch_id, name=role.name, password=password, created_at=now, updated_at=now)


def copy_database(ids: IdFactory, database: Database, branch_id: str, now: float) -> Database:
    return Database(
        id=ids.database_id(),
        branch_id=branch_id,
        name=database.name,
        owner_name=database.owner_name,
        created_at=now,
        updated_at=now,
    )
