"""Project operations: create (with its default branch, endpoint, database and role), list, get,
update, delete; the project's connection URI and operations."""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.builders import (
    DEFAULT_PROVISIONER,
    DEFAULT_SETTINGS,
    endpoint_defaults,
    merge_settings,
    new_branch,
    new_endpoint,
)
from neon_emulator.core import BackendCore, synchronized
from neon_emulator.errors import BadRequest, LimitExceeded, NotFound, PreconditionFailed, Unprocessable
from neon_emulator.models import Database, Project, Role, project_view
from neon_emulator.operations import Operation, OpStep
from neon_emulator.pagination import check_limit, decode_cursor, page
from neon_emulator.plans import DEFAULT_REGION, Plan
from neon_emulator.requests import (
    BranchEndpointOptions,
    ProjectBranchSpec,
    ProjectCreate,
    ProjectCreateRequest,
    ProjectUpdateRequest,
)
from neon_emulator.results import OperationPage, ProjectChanged, ProjectCreated, ProjectPage
from neon_emulator.rules import check_compute, check_history, check_pg_name, check_region, check_settings


class ProjectsMixin(BackendCore):
    def _check_new_project(self, spec: ProjectCreate, plan: Plan) -> tuple[str, int, ProjectBranchSpec]:
        """Everything that can refuse a project create, before anything is made: (region, history, branch)."""
        region = spec.region_id or DEFAULT_REGION
        check_region(region)
        history = spec.history_retention_seconds
        history = plan.default_history_seconds if history is None else history
        check_history(plan, history)
        check_settings(plan, spec.settings)
        if sum(1 for project in self.projects.values() if project.org_id == spec.org_id) >= plan.max_projects:
            raise LimitExceeded(f"the {plan.name} plan allows at most {plan.max_projects} projects")
        branch = spec.branch or ProjectBranchSpec()
        database_name = branch.database_name or "neondb"
        branch = branch.model_copy(
            update={"database_name": database_name, "role_name": branch.role_name or f"{database_name}_owner"}
        )
        check_pg_name("database", database_name)
        check_pg_name("role", str(branch.role_name))
        return region, history, branch

    @synchronized
    def create_project(self, request: ProjectCreateRequest | None = None) -> ProjectCreated:
        spec = (request or ProjectCreateRequest()).project
        plan, now = self.plan_for(spec.org_id), self.now()
        region, history, branch_spec = self._check_new_project(spec, plan)
        defaults = endpoint_defaults(spec, plan)
        check_compute(plan, defaults.autoscaling_limit_min_cu, defaults.autoscaling_limit_max_cu)
        project_id = self.ids.project_id()
        project = Project(
            id=project_id,
            name=spec.name or project_id,
            region_id=region,
            pg_version=spec.pg_version,
            provisioner=spec.provisioner or DEFAULT_PROVISIONER,
            store_passwords=spec.store_passwords,
            history_retention_seconds=history,
            settings=merge_settings(DEFAULT_SETTINGS, spec.settings),
            default_endpoint_settings=defaults,
            created_at=now,
            updated_at=now,
            org_id=spec.org_id,
        )
        return deepcopy(self._populate_project(project, branch_spec, plan))

    def _populate_project(self, project: Project, spec: ProjectBranchSpec, plan: Plan) -> ProjectCreated:
        """The default branch with its role, database and read-write endpoint, and the two operations."""
        now, role_name, database_name = project.created_at, str(spec.role_name), str(spec.database_name)
        branch = new_branch(self.ids, project, spec.name or "main", now)
        branch.default = True
        branch.annotation = dict(spec.annotations or {})
        role = Role(branch.id, role_name, self.ids.password(), now, now)
        database = Database(self.ids.database_id(), branch.id, database_name, role_name, now, now)
        options = BranchEndpointOptions(type="read_write")
        endpoint = new_endpoint(self.ids, plan, project, branch_id=branch.id, options=options, now=now)
        if self.postgres is not None:
            self.postgres.create_role(branch.id, role.name, role.password)
            self.postgres.create_database(branch.id, database.name, role.name)
        branch.roles[role.name] = role
        branch.databases[database.name] = database
        project.branches[branch.id] = branch
        project.endpoints[endpoint.id] = endpoint
        self.projects[project.id] = project
        steps = [OpStep("create_timeline", branch.id), OpStep("start_compute", branch.id, endpoint.id)]
        operations = self._schedule(project, steps)
        branch.state.move("ready", operations[0].end_at, now)
        endpoint.state.move("active", operations[1].end_at, now)
        details = self._connection_details(endpoint, role, database)
        return ProjectCreated(project, branch, [endpoint], [database], [role], operations, [details])

    @synchronized
    def list_projects(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = 10,
        search: str | None = None,
        org_id: str | None = None,
    ) -> ProjectPage:
        check_limit(limit, 400)
        needle = (search or "").lower()
        matching = [
            project
            for project in self.projects.values()
            if (not needle or needle in project.name.lower() or needle in project.id)
            and (org_id is None or project.org_id == org_id)
        ]
        chosen, last, _ = page(
            matching,
            lambda p: (p.created_at, p.id),
            tag="projects",
            descending=False,
            cursor=cursor,
            limit=limit or 10,
        )
        return ProjectPage([project_view(project) for project in chosen], last)

    @synchronized
    def list_shared_projects(self, *, cursor: str | None = None, limit: int | None = 10) -> ProjectPage:
        """Projects shared with this account by others: none, as sharing is not modelled."""
        check_limit(limit, 400)
        if cursor:
            decode_cursor("projects", cursor)
        return ProjectPage([], None)

    @synchronized
    def get_project(self, project_id: str) -> Project:
        return project_view(self._project(project_id))

    @synchronized
    def update_project(self, project_id: str, request: ProjectUpdateRequest) -> ProjectChanged:
        project, change = self._project(project_id), request.project
        plan = self._plan_of(project)
        steps: list[OpStep] = []
        history = change.history_retention_seconds
        if history is not None:
            check_history(plan, history)
            if history != project.history_retention_seconds:
                steps.append(OpStep("apply_storage_config"))
        settings = merge_settings(project.settings, change.settings)
        if change.settings is not None:
            check_settings(plan, settings, before=project.settings)
        defaults = project.default_endpoint_settings
        if change.default_endpoint_settings is not None:
            new = change.default_endpoint_settings
            defaults = defaults.model_copy(update={name: getattr(new, name) for name in new.model_fields_set})
            check_compute(plan, defaults.autoscaling_limit_min_cu, defaults.autoscaling_limit_max_cu)
        if steps:
            self._ensure_unlocked(project)
        project.name = change.name or project.name
        project.settings, project.default_endpoint_settings = settings, defaults
        if history is not None:
            project.history_retention_seconds = history
        project.updated_at = self.now()
        operations = self._schedule(project, steps)
        return ProjectChanged(project_view(project), deepcopy(operations))

    @synchronized
    def delete_project(self, project_id: str) -> Project:
        project = self._project(project_id)
        protected = sorted(branch.name for branch in project.branches.values() if branch.protected)
        if protected:
            raise Unprocessable(
                f"project {project_id} has protected branches ({', '.join(protected)}) "
                "and cannot be deleted; unprotect them first"
            )
        if self.postgres is not None:
            for branch in project.branches.values():
                self.postgres.drop_branch(branch.id, list(branch.databases), list(branch.roles))
        del self.projects[project_id]
        return project_view(project)

    @synchronized
    def get_connection_uri(
        self,
        project_id: str,
        *,
        database_name: str,
        role_name: str,
        branch_id: str | None = None,
        endpoint_id: str | None = None,
        pooled: bool = False,
    ) -> str:
        project = self._project(project_id)
        branch = self._branch(project, branch_id) if branch_id else project.default_branch
        if endpoint_id:
            endpoint = self._endpoint(project, endpoint_id)
            if endpoint.branch_id != branch.id:
                raise BadRequest(f"endpoint {endpoint_id} does not belong to branch {branch.id}")
        else:
            found = project.read_write_endpoint(branch.id)
            if found is None:
                raise NotFound(f"branch {branch.id} has no read_write endpoint")
            endpoint = found
        role, database = self._role(branch, role_name), self._database(branch, database_name)
        if not project.store_passwords:
            raise PreconditionFailed("password storage is disabled for this project (store_passwords=false)")
        if role.password is None:
            raise BadRequest(f"role {role_name!r} cannot log in (no_login)")
        return self._connection_details(endpoint, role, database, pooled=pooled).uri

    @synchronized
    def list_project_operations(
        self, project_id: str, *, cursor: str | None = None, limit: int | None = 10
    ) -> OperationPage:
        check_limit(limit, 1000)
        project = self._project(project_id)
        position = {operation.id: index for index, operation in enumerate(project.operations)}
        chosen, last, _ = page(
            project.operations,
            lambda o: (position[o.id],),
            tag="operations",
            descending=True,
            cursor=cursor,
            limit=limit or 10,
        )
        return OperationPage(deepcopy(chosen), last)

    @synchronized
    def get_project_operation(self, project_id: str, operation_id: str) -> Operation:
        project = self._project(project_id)
        for operation in project.operations:
            if operation.id == operation_id:
                return deepcopy(operation)
        raise NotFound(f"operation {operation_id} not found")
