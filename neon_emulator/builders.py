"""Constructors for new state objects, shared by the project, branch and endpoint operations."""

from __future__ import annotations

from neon_emulator.ids import IdFactory
from neon_emulator.models import Branch, Database, Endpoint, Project, Role, Transition
from neon_emulator.plans import Plan, region_domain
from neon_emulator.requests import (
    AllowedIps,
    BranchEndpointOptions,
    DefaultEndpointSettings,
    EndpointCreate,
    EndpointSettings,
    MaintenanceWindow,
    ProjectCreate,
    ProjectSettings,
)
from neon_emulator.rules import check_compute

DEFAULT_MIN_CU = 0.25
DEFAULT_MAX_CU = 2.0
DEFAULT_PROVISIONER = "k8s-neonvm"
# What Neon reports for a project created without settings (its API reference's project examples);
# the maintenance window is the one in its "list projects" example.
DEFAULT_SETTINGS = ProjectSettings(
    allowed_ips=AllowedIps(ips=[], protected_branches_only=False),
    enable_logical_replication=False,
    maintenance_window=MaintenanceWindow(weekdays=[5], start_time="19:00", end_time="20:00"),
    block_public_connections=False,
    block_vpc_connections=False,
    hipaa=False,
)


def merge_settings(current: ProjectSettings, change: ProjectSettings | None) -> ProjectSettings:
    """`current` with the blocks `change` sets; a partial `allowed_ips` keeps the other half's value."""
    if change is None:
        return current
    merged = current.model_copy(update={name: getattr(change, name) for name in change.model_fields_set})
    old, new = current.allowed_ips or AllowedIps(), merged.allowed_ips or AllowedIps()
    allowed = AllowedIps(
        ips=new.ips if new.ips is not None else (old.ips or []),
        protected_branches_only=(
            new.protected_branches_only
            if new.protected_branches_only is not None
            else bool(old.protected_branches_only)
        ),
    )
    return merged.model_copy(update={"allowed_ips": allowed})


def endpoint_defaults(spec: ProjectCreate, plan: Plan) -> DefaultEndpointSettings:
    """A new project's `default_endpoint_settings`, filled the way Neon reports them (0.25 CU min,
    the plan's usual max, suspend timeout 0 = platform default); the deprecated top-level limits count."""
    given = spec.default_endpoint_settings or DefaultEndpointSettings()
    min_cu = given.autoscaling_limit_min_cu or spec.autoscaling_limit_min_cu or DEFAULT_MIN_CU
    max_cu = (
        given.autoscaling_limit_max_cu
        or spec.autoscaling_limit_max_cu
        or max(min_cu, min(DEFAULT_MAX_CU, plan.max_autoscaling_cu))
    )
    timeout = 0 if given.suspend_timeout_seconds is None else given.suspend_timeout_seconds
    return given.model_copy(
        update={
            "autoscaling_limit_min_cu": min_cu,
            "autoscaling_limit_max_cu": max_cu,
            "suspend_timeout_seconds": timeout,
        }
    )


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
