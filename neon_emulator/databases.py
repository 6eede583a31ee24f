"""Database and role operations on a branch. Role passwords are returned by create, reset_password and
reveal_password only; every change runs as an `apply_config` operation."""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.core import BackendCore, synchronized
from neon_emulator.errors import BadRequest, Conflict, NotFound, PreconditionFailed, Unprocessable
from neon_emulator.models import Branch, Database, Project, Role
from neon_emulator.operations import Operation, OpStep
from neon_emulator.requests import DatabaseCreateRequest, DatabaseUpdateRequest, RoleCreateRequest
from neon_emulator.results import DatabaseChanged, RoleChanged
from neon_emulator.rules import check_pg_name


class DatabasesMixin(BackendCore):
    def _apply_config(self, project: Project, branch: Branch) -> list[Operation]:
        endpoint = project.read_write_endpoint(branch.id)
        return self._schedule(project, [OpStep("apply_config", branch.id, endpoint.id if endpoint else None)])

    def _owner(self, branch: Branch, name: str) -> Role:
        if name not in branch.roles:
            raise BadRequest(f"owner role {name!r} does not exist on branch {branch.id}")
        return branch.roles[name]

    # -- databases ---------------------------------------------------------------------------------

    @synchronized
    def list_project_branch_databases(self, project_id: str, branch_id: str) -> list[Database]:
        return deepcopy(list(self._branch(self._project(project_id), branch_id).databases.values()))

    @synchronized
    def get_project_branch_database(self, project_id: str, branch_id: str, database_name: str) -> Database:
        return deepcopy(self._database(self._branch(self._project(project_id), branch_id), database_name))

    @synchronized
    def create_project_branch_database(
        self, project_id: str, branch_id: str, request: DatabaseCreateRequest
    ) -> DatabaseChanged:
        project = self._project(project_id)
        branch, spec = self._branch(project, branch_id), request.database
        check_pg_name("database", spec.name)
        self._owner(branch, spec.owner_name)
        if spec.name in branch.databases:
            raise Conflict(f"database {spec.name!r} already exists on branch {branch_id}")
        self._ensure_unlocked(project)
        if self.postgres is not None:
            self.postgres.create_database(branch.id, spec.name, spec.owner_name)
        now = self.now()
        database = Database(self.ids.database_id(), branch.id, spec.name, spec.owner_name, now, now)
        branch.databases[database.name] = database
        branch.gone.discard(f"database:{database.name}")
        return deepcopy(DatabaseChanged(database, self._apply_config(project, branch)))

    @synchronized
    def update_project_branch_database(
        self, project_id: str, branch_id: str, database_name: str, request: DatabaseUpdateRequest
    ) -> DatabaseChanged:
        project = self._project(project_id)
        branch = self._branch(project, branch_id)
        database, change = self._database(branch, database_name), request.database
        new_name = change.name or database.name
        if new_name != database.name:
            check_pg_name("database", new_name)
            if new_name in branch.databases:
                raise Conflict(f"database {new_name!r} already exists on branch {branch_id}")
        if change.owner_name is not None:
            self._owner(branch, change.owner_name)
        self._ensure_unlocked(project)
        if self.postgres is not None:
            if new_name != database.name:
                self.postgres.rename_database(branch.id, database.name, new_name)
            if change.owner_name is not None and change.owner_name != database.owner_name:
                self.postgres.set_database_owner(branch.id, new_name, change.owner_name)
        del branch.databases[database.name]
        database.name, database.owner_name = new_name, change.owner_name or database.owner_name
        database.updated_at = self.now()
        branch.databases[new_name] = database
        return deepcopy(DatabaseChanged(database, self._apply_config(project, branch)))

    @synchronized
    def delete_project_branch_database(
        self, project_id: str, branch_id: str, database_name: str
    ) -> DatabaseChanged | None:
        """Delete a database; None when it was already deleted (Neon answers 204)."""
        project = self._project(project_id)
        branch = self._branch(project, branch_id)
        if database_name not in branch.databases and f"database:{database_name}" in branch.gone:
            return None
        database = self._database(branch, database_name)
        self._ensure_unlocked(project)
        if self.postgres is not None:
            self.postgres.drop_database(branch.id, database_name)
        del branch.databases[database_name]
        branch.gone.add(f"database:{database_name}")
        return deepcopy(DatabaseChanged(database, self._apply_config(project, branch)))

    # -- roles -------------------------------------------------------------------------------------

    @synchronized
    def list_project_branch_roles(self, project_id: str, branch_id: str) -> list[Role]:
        return deepcopy(list(self._branch(self._project(project_id), branch_id).roles.values()))

    @synchronized
    def get_project_branch_role(self, project_id: str, branch_id: str, role_name: str) -> Role:
        return deepcopy(self._role(self._branch(self._project(project_id), branch_id), role_name))

    @synchronized
    def create_project_branch_role(self, project_id: str, branch_id: str, request: RoleCreateRequest) -> RoleChanged:
        project = self._project(project_id)
        branch, spec = self._branch(project, branch_id), request.role
        check_pg_name("role", spec.name)
        if spec.name in branch.roles:
            raise Conflict(f"role {spec.name!r} already exists on branch {branch_id}")
        self._ensure_unlocked(project)
        now = self.now()
        role = Role(branch.id, spec.name, None if spec.no_login else self.ids.password(), now, now)
        if self.postgres is not None:
            self.postgres.create_role(branch.id, role.name, role.password)
        branch.roles[role.name] = role
        branch.gone.discard(f"role:{role.name}")
        return deepcopy(RoleChanged(role, self._apply_config(project, branch), reveal=True))

    @synchronized
    def delete_project_branch_role(self, project_id: str, branch_id: str, role_name: str) -> RoleChanged | None:
        """Delete a role; None when it was already deleted (Neon answers 204)."""
        project = self._project(project_id)
        branch = self._branch(project, branch_id)
        if role_name not in branch.roles and f"role:{role_name}" in branch.gone:
            return None
        role = self._role(branch, role_name)
        owned = sorted(d.name for d in branch.databases.values() if d.owner_name == role_name)
        if owned:
            raise Unprocessable(
                f"role {role_name!r} owns databases ({', '.join(owned)}); delete them or change their owner first"
            )
        self._ensure_unlocked(project)
        if self.postgres is not None:
            self.postgres.drop_role(branch.id, role_name, list(branch.databases))
        del branch.roles[role_name]
        branch.gone.add(f"role:{role_name}")
        return deepcopy(RoleChanged(role, self._apply_config(project, branch)))

    @synchronized
    def get_project_branch_role_password(self, project_id: str, branch_id: str, role_name: str) -> str:
        project = self._project(project_id)
        role = self._role(self._branch(project, branch_id), role_name)
        if not project.store_passwords:
            raise PreconditionFailed("password storage is disabled for this project (store_passwords=false)")
        if role.password is None:
            raise NotFound(f"role {role_name!r} has no password (no_login)")
        return role.password

    @synchronized
    def reset_project_branch_role_password(self, project_id: str, branch_id: str, role_name: str) -> RoleChanged:
        project = self._project(project_id)
        branch = self._branch(project, branch_id)
        role = self._role(branch, role_name)
        if role.password is None:
            raise BadRequest(f"role {role_name!r} cannot log in (no_login): it has no password to reset")
        self._ensure_unlocked(project)
        password = self.ids.password()
        if self.postgres is not None:
            self.postgres.set_password(branch.id, role_name, password)
        role.password, role.updated_at = password, self.now()
        return deepcopy(RoleChanged(role, self._apply_config(project, branch), reveal=True))
