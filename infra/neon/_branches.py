"""Branches: create (with endpoints), read, update, delete, restore, set as default."""

from __future__ import annotations

from collections.abc import Sequence

from infra.neon import _uris, errors
from infra.neon._http import Call, Safety
from infra.neon._roles import RolesAPI
from infra.neon.models._envelopes import BranchEnvelope, BranchPage
from infra.neon.models.branches import Branch, BranchCreate, BranchRestore, BranchUpdate, CreatedBranch
from infra.neon.models.endpoints import BranchEndpointOptions, Endpoint
from infra.neon.models.roles import ConnectionDetails, Role


class BranchesAPI(RolesAPI):
    def create_branch(
        self,
        project_id: str,
        branch: BranchCreate | None = None,
        *,
        endpoints: Sequence[BranchEndpointOptions] | None = None,
        wait: bool = True,
    ) -> CreatedBranch:
        """createProjectBranch, optionally with computes. After a lost response the branch is found
        by name and adopted; an unnamed branch cannot be found, which raises AmbiguousResultError."""
        pid = self._pid(project_id)
        spec = branch or BranchCreate()
        body: dict[str, object] = {"branch": spec.to_body()}
        if endpoints:
            body["endpoints"] = [e.to_body() for e in endpoints]
        call = Call("create_branch", "POST", f"/projects/{pid}/branches", Safety.UNSAFE, body=body)
        with self._project_lock(pid):
            created = self._post_safely(call, CreatedBranch, lambda _t: self._adopt_branch(pid, spec))
            ops = self._wait(call.operation, pid, created.operations, wait=wait)
        return created.model_copy(update={"operations": ops})

    def get_branch(self, project_id: str, branch_id: str) -> Branch:
        """getProjectBranch."""
        return self._get("get_branch", self._branch_path(project_id, branch_id), BranchEnvelope).branch

    def list_branches(self, project_id: str, *, search: str | None = None, page_size: int = 1000) -> list[Branch]:
        """listProjectBranches (all pages). `search` matches part of a name or id."""
        path = f"/projects/{self._pid(project_id)}/branches"
        branches: list[Branch] = []
        cursor: str | None = None
        while True:
            params = {"search": search, "limit": page_size, "cursor": cursor}
            page = self._get("list_branches", path, BranchPage, params=params, cursor_key="next")
            branches.extend(page.branches)
            if len(page.branches) < page_size or not page.cursor or page.cursor == cursor:
                return branches
            cursor = page.cursor

    def update_branch(self, project_id: str, branch_id: str, update: BranchUpdate, *, wait: bool = True) -> Branch:
        """updateProjectBranch (name, protected, expires_at); sends only the fields set."""
        return self._mutate(
            "update_branch",
            "PATCH",
            self._branch_path(project_id, branch_id),
            BranchEnvelope,
            project_id=self._pid(project_id),
            body={"branch": update.to_body()},
            wait=wait,
        ).branch

    def delete_branch(self, project_id: str, branch_id: str, *, wait: bool = True) -> bool:
        """deleteProjectBranch; False if it was already gone."""
        path = self._branch_path(project_id, branch_id)
        return self._delete("delete_branch", path, BranchEnvelope, project_id=self._pid(project_id), wait=wait)

    def restore_branch(self, project_id: str, branch_id: str, restore: BranchRestore, *, wait: bool = True) -> Branch:
        """restoreProjectBranch. A restore whose response was lost is never re-sent blindly: it is
        adopted if the branch shows it (last_reset_at, or the preserved branch exists), otherwise
        AmbiguousResultError is raised."""
        pid = self._pid(project_id)
        call = Call(
            "restore_branch",
            "POST",
            f"{self._branch_path(pid, branch_id)}/restore",
            Safety.UNSAFE,
            body=restore.to_body(),
        )
        with self._project_lock(pid):
            envelope = self._post_safely(
                call, BranchEnvelope, lambda t: self._restore_applied(pid, branch_id, restore, t)
            )
            self._wait(call.operation, pid, envelope.operations, wait=wait)
        return envelope.branch

    def set_default_branch(self, project_id: str, branch_id: str, *, wait: bool = True) -> Branch:
        """setDefaultProjectBranch; a lost response is resolved by reading the branch's `default`."""
        pid = self._pid(project_id)
        call = Call("set_default_branch", "POST", f"{self._branch_path(pid, branch_id)}/set_as_default", Safety.UNSAFE)
        with self._project_lock(pid):
            envelope = self._post_safely(call, BranchEnvelope, lambda _t: self._default_applied(pid, branch_id))
            self._wait(call.operation, pid, envelope.operations, wait=wait)
        return envelope.branch

    # -- recovery after a lost response ------------------------------------------------------------

    def _branch_named(self, pid: str, name: str | None, *, operation: str, doing: str) -> Branch | None:
        """The branch a request that lost its response made, found by its name (an unnamed one cannot be)."""
        if not name:
            raise errors.AmbiguousResultError(
                f"the response was lost and an unnamed branch cannot be identified; "
                f"list the project's branches before {doing} again",
                operation=operation,
            )
        found = [b for b in self.list_branches(pid, search=name) if b.name == name]
        return found[0] if found else None

    def _adopt_branch(self, pid: str, spec: BranchCreate) -> CreatedBranch | None:
        branch = self._branch_named(pid, spec.name, operation="create_branch", doing="creating it")
        if branch is None:
            return None
        if spec.parent_id and branch.parent_id != spec.parent_id:
            raise errors.AmbiguousResultError(
                f"branch {spec.name!r} exists with parent {branch.parent_id!r}, not {spec.parent_id!r}",
                operation="create_branch",
            )
        return self._describe_branch(pid, branch)

    def _describe_branch(self, pid: str, branch: Branch) -> CreatedBranch:
        """Rebuild what createProjectBranch returns for an existing branch, URIs included."""
        endpoints = self.list_endpoints(pid, branch_id=branch.id)
        roles = self.list_roles(pid, branch.id)
        databases = self.list_databases(pid, branch.id)
        operations = self._in_flight(pid, branch_id=branch.id)
        compute = next((e for e in endpoints if e.type == "read_write"), None)
        uris: list[ConnectionDetails] = []
        # Neon only returns URIs for a branch with one role and one database.
        if compute is not None and len(databases) == 1 and len(roles) == 1:
            self._wait("create_branch", pid, operations, wait=True)
            uris = [self._connection_details(pid, branch.id, compute, databases[0].name, roles[0])]
        return CreatedBranch(
            branch=branch,
            endpoints=endpoints,
            roles=roles,
            databases=databases,
            operations=operations,
            connection_uris=uris,
        )

    def _connection_details(
        self, pid: str, branch_id: str, compute: Endpoint, database: str, role: Role
    ) -> ConnectionDetails:
        """From getConnectionURI; if the project stores no passwords (412), from a recovered one."""
        try:
            direct = self.get_connection_uri(pid, database_name=database, role_name=role.name, branch_id=branch_id)
            pooled = self.get_connection_uri(
                pid, database_name=database, role_name=role.name, branch_id=branch_id, pooled=True
            )
        except errors.PreconditionFailedError:
            password = role.password or self._with_password(pid, branch_id, role).password
            return _uris.compose(compute.host, database=database, role=role.name, password=password)
        return _uris.from_uris(direct, pooled, database=database, role=role.name)

    def _restore_applied(self, pid: str, branch_id: str, spec: BranchRestore, sent_at: float) -> BranchEnvelope:
        branch = self.get_branch(pid, branch_id)
        since = sent_at - self.retry.clock_skew
        reset = branch.last_reset_at is not None and branch.last_reset_at.timestamp() >= since
        preserved = bool(spec.preserve_under_name) and any(
            b.name == spec.preserve_under_name for b in self.list_branches(pid, search=spec.preserve_under_name)
        )
        if not (reset or preserved):
            raise errors.AmbiguousResultError(
                f"the response was lost and branch {branch_id} shows no sign of the restore; "
                "check it before restoring again",
                operation="restore_branch",
            )
        return BranchEnvelope(branch=branch, operations=self._in_flight(pid, branch_id=branch_id))

    def _default_applied(self, pid: str, branch_id: str) -> BranchEnvelope | None:
        branch = self.get_branch(pid, branch_id)
        if not branch.default:
            return None
        return BranchEnvelope(branch=branch, operations=self._in_flight(pid, branch_id=branch_id))
