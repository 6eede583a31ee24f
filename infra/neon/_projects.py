"""Projects: create (safely), read, list, update, delete."""

from __future__ import annotations

from collections.abc import Iterator

from infra.neon import errors
from infra.neon._http import Call, Safety
from infra.neon._snapshots import SnapshotsAPI
from infra.neon.models._envelopes import ProjectEnvelope, ProjectPage
from infra.neon.models.branches import Branch, CreatedProject
from infra.neon.models.projects import Project, ProjectCreate, ProjectUpdate
from infra.neon.models.roles import Role


class ProjectsAPI(SnapshotsAPI):
    def create_project(self, project: ProjectCreate, *, wait: bool = True) -> CreatedProject:
        """createProject; the client's org_id is used unless `project.org_id` is set.

        Neon has no unique project names, so after a lost response the client adopts a project with
        this name created since the request was sent (within `RetryPolicy.clock_skew`); several
        such projects raise AmbiguousResultError; an unnamed project cannot be looked up at all.
        """
        body = project.to_body()
        if "org_id" not in body and self.settings.org_id:
            body["org_id"] = self.settings.org_id
        org_id = body.get("org_id")
        call = Call("create_project", "POST", "/projects", Safety.UNSAFE, body={"project": body})
        created = self._post_safely(
            call,
            CreatedProject,
            lambda sent_at: self._adopt_project(project.name, org_id if isinstance(org_id, str) else None, sent_at),
        )
        # A brand-new project has no history to learn durations from: this client sees all of it.
        self._waiter.knows_history_of(created.project.id)
        with self._project_lock(created.project.id):
            ops = self._wait(call.operation, created.project.id, created.operations, wait=wait, seed=False)
        return created.model_copy(update={"operations": ops})

    def get_project(self, project_id: str) -> Project:
        """getProject."""
        return self._get("get_project", f"/projects/{self._pid(project_id)}", ProjectEnvelope).project

    def list_projects(
        self, *, search: str | None = None, org_id: str | None = None, page_size: int = 100
    ) -> Iterator[Project]:
        """listProjects, following cursors lazily. `org_id` defaults to the client's."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params = {
                "search": search,
                "org_id": org_id or self.settings.org_id,
                "limit": page_size,
                "cursor": cursor,
            }
            page = self._get("list_projects", "/projects", ProjectPage, params=params, cursor_key="cursor")
            yield from page.projects
            if len(page.projects) < page_size or not page.cursor or page.cursor in seen:
                return
            seen.add(page.cursor)
            cursor = page.cursor

    def projects_named(self, name: str, *, org_id: str | None = None) -> list[Project]:
        """Projects whose name is exactly `name` (Neon allows several), oldest first; one list call.

        `search` matches parts of names and ids, so the exact match is made here. `org_id` defaults
        to the client's; without either, the projects the key owns personally.
        """
        found = [p for p in self.list_projects(search=name, org_id=org_id) if p.name == name]
        return sorted(found, key=lambda p: p.created_at.timestamp())

    def update_project(self, project_id: str, update: ProjectUpdate, *, wait: bool = True) -> Project:
        """updateProject: sends only the fields set on `update`."""
        pid = self._pid(project_id)
        return self._mutate(
            "update_project",
            "PATCH",
            f"/projects/{pid}",
            ProjectEnvelope,
            project_id=pid,
            body={"project": update.to_body()},
            wait=wait,
        ).project

    def delete_project(self, project_id: str, *, wait: bool = True) -> bool:
        """deleteProject; False if it was already gone. Fails (4xx) while it has protected branches."""
        pid = self._pid(project_id)
        return self._delete("delete_project", f"/projects/{pid}", ProjectEnvelope, project_id=pid, wait=wait)

    # -- recovery after a lost response ------------------------------------------------------------

    def _adopt_project(self, name: str | None, org_id: str | None, sent_at: float) -> CreatedProject | None:
        if not name:
            raise errors.AmbiguousResultError(
                "the response was lost and an unnamed project cannot be identified; "
                "list your projects before creating it again",
                operation="create_project",
            )
        since = sent_at - self.retry.clock_skew
        matches = [p for p in self.projects_named(name, org_id=org_id) if p.created_at.timestamp() >= since]
        if len(matches) > 1:
            ids = ", ".join(sorted(p.id for p in matches))
            raise errors.AmbiguousResultError(
                f"{len(matches)} projects named {name!r} were created since the request was sent ({ids}); "
                "refusing to guess which one is ours",
                operation="create_project",
            )
        return self._describe_project(matches[0].id) if matches else None

    def _describe_project(self, pid: str) -> CreatedProject:
        """Rebuild createProject's answer for an existing project, passwords and URIs included."""
        # Passwords can only be revealed (or reset) once the creating operations have finished.
        self._wait("create_project", pid, self._in_flight(pid), wait=True, seed=False)
        project = self.get_project(pid)
        branch = _default_branch(self.list_branches(pid))
        endpoints = self.list_endpoints(pid, branch_id=branch.id)
        databases = self.list_databases(pid, branch.id)
        roles: list[Role] = [
            self._with_password(pid, branch.id, r) if _has_login(r) else r for r in self.list_roles(pid, branch.id)
        ]
        owners = {role.name: role for role in roles}
        compute = next((e for e in endpoints if e.type == "read_write"), None)
        uris = [
            self._connection_details(pid, branch.id, compute, db.name, owners[db.owner_name])
            for db in databases
            if compute is not None and db.owner_name in owners
        ]
        return CreatedProject(
            project=project,
            branch=branch,
            endpoints=endpoints,
            databases=databases,
            roles=roles,
            connection_uris=uris,
            operations=[],
        )


def _has_login(role: Role) -> bool:
    """Protected (system) and no_login roles have no password to recover."""
    return not role.protected and role.authentication_method != "no_login"


def _default_branch(branches: list[Branch]) -> Branch:
    for branch in branches:
        if branch.default:
            return branch
    if not branches:
        raise errors.AmbiguousResultError("the adopted project has no branch", operation="create_project")
    return branches[0]
