"""Databases on a branch."""

from __future__ import annotations

from infra.neon import errors
from infra.neon._endpoints import EndpointsAPI
from infra.neon._http import Call, Safety
from infra.neon.models._envelopes import DatabaseEnvelope, DatabaseList
from infra.neon.models.roles import Database, DatabaseCreate, DatabaseUpdate


class DatabasesAPI(EndpointsAPI):
    def create_database(
        self, project_id: str, branch_id: str, *, name: str, owner_name: str, wait: bool = True
    ) -> Database:
        """createProjectBranchDatabase; the owner role must exist on the branch.

        After a lost response, a database with this name and owner is adopted; one with another
        owner raises AmbiguousResultError.
        """
        pid = self._pid(project_id)
        spec = DatabaseCreate(name=name, owner_name=owner_name)
        path = f"{self._branch_path(project_id, branch_id)}/databases"
        call = Call("create_database", "POST", path, Safety.UNSAFE, body={"database": spec.to_body()})
        with self._project_lock(pid):
            envelope = self._post_safely(call, DatabaseEnvelope, lambda _t: self._adopt_database(pid, branch_id, spec))
            self._wait(call.operation, pid, envelope.operations, wait=wait)
        return envelope.database

    def get_database(self, project_id: str, branch_id: str, database_name: str) -> Database:
        """getProjectBranchDatabase."""
        path = self._database_path(project_id, branch_id, database_name)
        return self._get("get_database", path, DatabaseEnvelope).database

    def list_databases(self, project_id: str, branch_id: str) -> list[Database]:
        """listProjectBranchDatabases."""
        path = f"{self._branch_path(project_id, branch_id)}/databases"
        return self._get("list_databases", path, DatabaseList).databases

    def update_database(
        self,
        project_id: str,
        branch_id: str,
        database_name: str,
        update: DatabaseUpdate,
        *,
        wait: bool = True,
    ) -> Database:
        """updateProjectBranchDatabase (rename and/or change owner)."""
        pid = self._pid(project_id)
        path = self._database_path(project_id, branch_id, database_name)
        try:
            return self._mutate(
                "update_database",
                "PATCH",
                path,
                DatabaseEnvelope,
                project_id=pid,
                body={"database": update.to_body()},
                wait=wait,
            ).database
        except errors.NotFoundError as exc:
            # A rename whose response was lost: the re-sent PATCH no longer finds the old name.
            if not (exc.maybe_applied and update.name):
                raise
            return self.get_database(pid, branch_id, update.name)

    def delete_database(self, project_id: str, branch_id: str, database_name: str, *, wait: bool = True) -> bool:
        """deleteProjectBranchDatabase; False if it was already gone."""
        path = self._database_path(project_id, branch_id, database_name)
        return self._delete("delete_database", path, DatabaseEnvelope, project_id=self._pid(project_id), wait=wait)

    def _adopt_database(self, pid: str, branch_id: str, spec: DatabaseCreate) -> DatabaseEnvelope | None:
        try:
            found = self.get_database(pid, branch_id, spec.name)
        except errors.NotFoundError:
            return None
        if found.owner_name != spec.owner_name:
            raise errors.AmbiguousResultError(
                f"database {spec.name!r} exists with owner {found.owner_name!r}, not {spec.owner_name!r}",
                operation="create_database",
            )
        return DatabaseEnvelope(database=found, operations=self._in_flight(pid, branch_id=branch_id))

    def _branch_path(self, project_id: str, branch_id: str) -> str:
        return f"/projects/{self._pid(project_id)}/branches/{self._bid(branch_id)}"

    def _database_path(self, project_id: str, branch_id: str, database_name: str) -> str:
        name = self._seg(database_name, "database_name")
        return f"{self._branch_path(project_id, branch_id)}/databases/{name}"
