"""The route table: (method, path template below /api/v2, Neon operationId) -> handler."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from neon_emulator import responses as p
from neon_emulator import responses_branches as b
from neon_emulator import responses_endpoints as e
from neon_emulator import responses_snapshots as s
from neon_emulator.errors import MethodNotAllowed, NotFound
from neon_emulator.responses import Handler

PROJECT = "/projects/{project_id}"
BRANCH = PROJECT + "/branches/{branch_id}"
ENDPOINT = PROJECT + "/endpoints/{endpoint_id}"
SNAPSHOT = PROJECT + "/snapshots/{snapshot_id}"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    operation_id: str
    handler: Handler

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.template)


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    regex = "".join(f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{regex}/?$")


ROUTES: tuple[Route, ...] = (
    Route("GET", "/regions", "getActiveRegions", p.get_active_regions),
    Route("GET", "/projects", "listProjects", p.list_projects),
    Route("GET", "/projects/shared", "listSharedProjects", p.list_shared_projects),
    Route("POST", "/projects", "createProject", p.create_project),
    Route("GET", PROJECT, "getProject", p.get_project),
    Route("PATCH", PROJECT, "updateProject", p.update_project),
    Route("DELETE", PROJECT, "deleteProject", p.delete_project),
    Route("GET", PROJECT + "/connection_uri", "getConnectionURI", p.get_connection_uri),
    Route("GET", PROJECT + "/operations", "listProjectOperations", p.list_project_operations),
    Route("GET", PROJECT + "/operations/{operation_id}", "getProjectOperation", p.get_project_operation),
    Route("POST", PROJECT + "/branches", "createProjectBranch", b.create_branch),
    Route("GET", PROJECT + "/branches", "listProjectBranches", b.list_branches),
    Route("GET", PROJECT + "/branches/count", "countProjectBranches", b.count_branches),
    Route("GET", BRANCH, "getProjectBranch", b.get_branch),
    Route("PATCH", BRANCH, "updateProjectBranch", b.update_branch),
    Route("DELETE", BRANCH, "deleteProjectBranch", b.delete_branch),
    Route("POST", BRANCH + "/restore", "restoreProjectBranch", b.restore_branch),
    Route("POST", BRANCH + "/set_as_default", "setDefaultProjectBranch", b.set_default_branch),
    Route("GET", BRANCH + "/endpoints", "listProjectBranchEndpoints", b.list_branch_endpoints),
    Route("GET", BRANCH + "/databases", "listProjectBranchDatabases", b.list_databases),
    Route("POST", BRANCH + "/databases", "createProjectBranchDatabase", b.create_database),
    Route("GET", BRANCH + "/databases/{database_name}", "getProjectBranchDatabase", b.get_database),
    Route("PATCH", BRANCH + "/databases/{database_name}", "updateProjectBranchDatabase", b.update_database),
    Route("DELETE", BRANCH + "/databases/{database_name}", "deleteProjectBranchDatabase", b.delete_database),
    Route("GET", BRANCH + "/roles", "listProjectBranchRoles", b.list_roles),
    Route("POST", BRANCH + "/roles", "createProjectBranchRole", b.create_role),
    Route("GET", BRANCH + "/roles/{role_name}", "getProjectBranchRole", b.get_role),
    Route("DELETE", BRANCH + "/roles/{role_name}", "deleteProjectBranchRole", b.delete_role),
    Route(
        "GET",
        BRANCH + "/roles/{role_name}/reveal_password",
        "getProjectBranchRolePassword",
        b.reveal_password,
    ),
    Route(
        "POST",
        BRANCH + "/roles/{role_name}/reset_password",
        "resetProjectBranchRolePassword",
        b.reset_password,
    ),
    Route("POST", PROJECT + "/endpoints", "createProjectEndpoint", e.create_endpoint),
    Route("GET", PROJECT + "/endpoints", "listProjectEndpoints", e.list_endpoints),
    Route("GET", ENDPOINT, "getProjectEndpoint", e.get_endpoint),
    Route("PATCH", ENDPOINT, "updateProjectEndpoint", e.update_endpoint),
    Route("DELETE", ENDPOINT, "deleteProjectEndpoint", e.delete_endpoint),
    Route("POST", ENDPOINT + "/start", "startProjectEndpoint", e.start_endpoint),
    Route("POST", ENDPOINT + "/suspend", "suspendProjectEndpoint", e.suspend_endpoint),
    Route("POST", ENDPOINT + "/restart", "restartProjectEndpoint", e.restart_endpoint),
    Route("GET", BRANCH + "/backup_schedule", "getSnapshotSchedule", s.get_schedule),
    Route("PUT", BRANCH + "/backup_schedule", "setSnapshotSchedule", s.set_schedule),
    Route("POST", BRANCH + "/snapshot", "createSnapshot", s.create_snapshot),
    Route("POST", BRANCH + "/finalize_restore", "finalizeRestoreBranch", s.finalize_restore),
    Route("GET", PROJECT + "/snapshots", "listSnapshots", s.list_snapshots),
    Route("PATCH", SNAPSHOT, "updateSnapshot", s.update_snapshot),
    Route("DELETE", SNAPSHOT, "deleteSnapshot", s.delete_snapshot),
    Route("POST", SNAPSHOT + "/restore", "restoreSnapshot", s.restore_snapshot),
)
_COMPILED = tuple((route, route.pattern) for route in ROUTES)


def find_route(path: str) -> list[tuple[Route, dict[str, str]]]:
    """Every route whose template matches `path` (any method), with decoded path parameters.

    Literal segments win over parameters (`/branches/count` is not branch `count`).
    """
    matches = []
    for route, pattern in _COMPILED:
        found = pattern.match(path)
        if found:
            matches.append((route, {k: unquote(v) for k, v in found.groupdict().items()}))
    return sorted(matches, key=lambda match: len(match[1]))


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for this request, or 404 (unknown path) / 405 (known path, other method)."""
    candidates = find_route(path)
    for route, params in candidates:
        if route.method == method:
            return route, params
    if candidates:
        allowed = sorted({route.method for route, _ in candidates})
        raise MethodNotAllowed(f"method {method} is not allowed on {path}; allowed: {', '.join(allowed)}", allowed)
    raise NotFound(f"no route for {method} {path}")


def template_of(method: str, path: str) -> str | None:
    """The route template a request maps to (for the request log), or None."""
    for route, _ in find_route(path):
        if route.method == method:
            return route.template
    return None
