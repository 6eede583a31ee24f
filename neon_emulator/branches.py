"""Branch operations: create (from head or a point in time, with endpoints), list, count, get, update,
delete, set as default, and the branch's endpoints. Restore lives in `restore.py`."""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.builders import copy_database, copy_role, new_branch, new_endpoint
from neon_emulator.core import BackendCore, synchronized
from neon_emulator.errors import BadRequest, Conflict, NotFound, Unprocessable
from neon_emulator.models import Branch, ConnectionDetails, Endpoint, Project
from neon_emulator.operations import OpStep
from neon_emulator.pagination import check_limit, page
from neon_emulator.requests import BranchCreateRequest, BranchUpdateRequest
from neon_emulator.results import BranchChanged, BranchCreated, BranchPage
from neon_emulator.rules import check_branch_quota, check_expiry, check_protected_quota, resolve_point
from neon_emulator.timeutil import format_lsn, lsn_at

SORT_KEYS = ("name", "created_at", "updated_at")


def ensure_name_free(project: Project, name: str, *, exclude: str | None = None) -> None:
    if any(branch.name == name and branch.id != exclude for branch in project.branches.values()):
        raise Conflict(f"branch with name {name!r} already exists")


class BranchesMixin(BackendCore):
    @synchronized
    def create_project_branch(self, project_id: str, request: BranchCreateRequest | None = None) -> BranchCreated:
        project, now = self._project(project_id), self.now()
        plan = self._plan_of(project)
        request = request or BranchCreateRequest()
        spec = request.branch
        parent = project.default_branch
        if spec.parent_id is not None:
            if spec.parent_id not in project.branches:
                raise NotFound(f"parent branch {spec.parent_id} not found")
            parent = project.branches[spec.parent_id]
        if spec.name is not None:
            ensure_name_free(project, spec.name)
        point = resolve_point(project, parent, spec.parent_timestamp, spec.parent_lsn, now, prefix="parent")
        protected = bool(spec.protected)
        if protected:
            check_protected_quota(plan, project)
        expires_at = check_expiry(now, spec.expires_at, protected=protected, default=False)
        check_branch_quota(plan, project)
        if sum(1 for option in request.endpoints if option.type == "read_write") > 1:
            raise BadRequest("a branch can have at most one read_write endpoint")
        branch = new_branch(self.ids, project, spec.name, now)
        endpoints = [
            new_endpoint(self.ids, plan, project, branch_id=branch.id, options=option, now=now)
            for option in request.endpoints
        ]
        self._ensure_unlocked(project)

        schema_only = spec.init_source == "schema-only"
        branch.protected, branch.expires_at = protected, expires_at
        branch.ttl_interval_seconds = None if expires_at is None else int(expires_at - now)
        branch.init_source = spec.init_source or "parent-data"
        branch.annotation = dict(request.annotation_value or {})
        if not schema_only:  # Neon makes a schema-only branch a new root, without a parent link
            branch.parent_id, branch.parent_timestamp = parent.id, point
            branch.parent_lsn = format_lsn(lsn_at(project.created_at, point))
        self._populate_from(parent, branch, point, schema_only=schema_only)
        project.branches[branch.id] = branch
        for endpoint in endpoints:
            project.endpoints[endpoint.id] = endpoint
        operations = self._schedule(
            project,
            [OpStep("create_branch", branch.id)] + [OpStep("start_compute", branch.id, e.id) for e in endpoints],
        )
        branch.state.move("archived" if spec.archived else "ready", operations[0].end_at, now)
        for endpoint, operation in zip(endpoints, operations[1:], strict=True):
            endpoint.state.move("active", operation.end_at, now)
        return deepcopy(
            BranchCreated(
                branch,
                endpoints,
                operations,
                list(branch.roles.values()),
                list(branch.databases.values()),
                self._branch_uris(branch, endpoints),
            )
        )

    def _populate_from(self, source: Branch, target: Branch, point: float, *, schema_only: bool) -> None:
        """Copy the roles and databases that existed on `source` at `point` (and, if backed, their data).

        Roles keep their passwords unless the source is protected: Neon then issues new ones.
        """
        now = self.now()
        for role in source.roles.values():
            if role.created_at <= point:
                renew = source.protected and role.password is not None
                target.roles[role.name] = copy_role(
                    role, target.id, now, self.ids.password() if renew else role.password
                )
        for database in source.databases.values():
            if database.created_at <= point and database.owner_name in target.roles:
                target.databases[database.name] = copy_database(self.ids, database, target.id, now)
        if self.postgres is not None:
            for role in target.roles.values():
                self.postgres.create_role(target.id, role.name, role.password)
            self.postgres.copy_databases(
                source.id,
                target.id,
                [(d.name, d.owner_name) for d in target.databases.values()],
                list(target.roles),
                schema_only=schema_only,
            )

    def _branch_uris(self, branch: Branch, endpoints: list[Endpoint]) -> list[ConnectionDetails] | None:
        """Neon includes connection URIs only when the branch has one role and one database to pair."""
        logins = [role for role in branch.roles.values() if role.password is not None]
        if not endpoints or len(logins) != 1 or len(branch.databases) != 1:
            return None
        endpoint = next((e for e in endpoints if e.type == "read_write"), endpoints[0])
        return [self._connection_details(endpoint, logins[0], next(iter(branch.databases.values())))]

    @synchronized
    def list_project_branches(
        self,
        project_id: str,
        *,
        search: str | None = None,
        sort_by: str = "updated_at",
        sort_order: str = "desc",
        cursor: str | None = None,
        limit: int | None = None,
    ) -> BranchPage:
        if sort_by not in SORT_KEYS:
            raise BadRequest(f"sort_by must be one of {', '.join(SORT_KEYS)}")
        if sort_order not in ("asc", "desc"):
            raise BadRequest("sort_order must be asc or desc")
        check_limit(limit, 10_000)
        project = self._project(project_id)
        needle = (search or "").lower()
        matching = [b for b in project.branches.values() if needle in b.name.lower() or needle in b.id]
        chosen, last, more = page(
            matching,
            lambda b: (getattr(b, sort_by), b.id),
            tag=f"branches:{sort_by}:{sort_order}",
            descending=sort_order == "desc",
            cursor=cursor,
            limit=limit,
        )
        return BranchPage(deepcopy(chosen), last if more else None, sort_by, sort_order)

    @synchronized
    def count_project_branches(self, project_id: str, *, search: str | None = None) -> int:
        needle = (search or "").lower()
        branches = self._project(project_id).branches.values()
        return sum(1 for branch in branches if needle in branch.name.lower() or needle in branch.id)

    @synchronized
    def get_project_branch(self, project_id: str, branch_id: str) -> Branch:
        return deepcopy(self._branch(self._project(project_id), branch_id))

    @synchronized
    def update_project_branch(self, project_id: str, branch_id: str, request: BranchUpdateRequest) -> BranchChanged:
        project, now = self._project(project_id), self.now()
        branch, change = self._branch(project, branch_id), request.branch
        if change.name is not None:
            ensure_name_free(project, change.name, exclude=branch.id)
        protected = branch.protected if change.protected is None else change.protected
        if protected and not branch.protected:
            check_protected_quota(self._plan_of(project), project)
        expires_at = branch.expires_at
        if "expires_at" in change.model_fields_set:
            expires_at = check_expiry(now, change.expires_at, protected=protected, default=branch.default)
        elif protected and expires_at is not None:
            raise BadRequest("a protected branch cannot expire: clear expires_at when protecting it")
        steps = [OpStep("timeline_update_protected_config", branch.id)] if protected != branch.protected else []
        if steps:
            self._ensure_unlocked(project)
        branch.name = change.name or branch.name
        branch.protected = protected
        if expires_at != branch.expires_at:
            branch.expires_at = expires_at
            branch.ttl_interval_seconds = None if expires_at is None else int(expires_at - now)
        branch.updated_at = now
        return deepcopy(BranchChanged(branch, self._schedule(project, steps)))

    @synchronized
    def delete_project_branch(self, project_id: str, branch_id: str) -> BranchChanged | None:
        """Delete a branch; None when it was already deleted (Neon answers 204)."""
        project = self._project(project_id)
        if branch_id not in project.branches and branch_id in project.gone:
            return None
        branch = self._branch(project, branch_id)
        if branch.protected:
            raise Unprocessable(f"branch {branch_id} is protected and cannot be deleted; set protected=false first")
        if branch.default:
            raise Unprocessable(
                f"branch {branch_id} is the default branch and cannot be deleted; set another branch as default first"
            )
        children = sorted(child.id for child in project.children_of(branch_id))
        if children:
            raise Unprocessable(f"branch {branch_id} has child branches ({', '.join(children)}); delete them first")
        active = [e for e in project.endpoints_of(branch_id) if e.state.current != "idle" or e.state.pending]
        steps = [OpStep("suspend_compute", branch_id, e.id) for e in active] + [OpStep("delete_timeline", branch_id)]
        self._ensure_unlocked(project)
        self._remove_branch(project, branch)
        return deepcopy(BranchChanged(branch, self._schedule(project, steps)))

    @synchronized
    def set_default_project_branch(self, project_id: str, branch_id: str) -> BranchChanged:
        project = self._project(project_id)
        branch = self._branch(project, branch_id)
        if branch.expires_at is not None:
            raise BadRequest(f"branch {branch_id} has an expiration and cannot become the default branch")
        now = self.now()
        for other in project.branches.values():
            if other.default and other.id != branch_id:
                other.default, other.updated_at = False, now
        if not branch.default:
            branch.default, branch.updated_at = True, now
        return deepcopy(BranchChanged(branch, []))

    @synchronized
    def list_project_branch_endpoints(self, project_id: str, branch_id: str) -> list[Endpoint]:
        project = self._project(project_id)
        self._branch(project, branch_id)
        return deepcopy(project.endpoints_of(branch_id))
