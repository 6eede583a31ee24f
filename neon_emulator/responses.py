"""HTTP handlers for projects, operations, regions and the connection URI: parse the request, call
the backend, render wire JSON. No state logic lives here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from neon_emulator.errors import BadRequest
from neon_emulator.plans import ORG_ID
from neon_emulator.requests import ProjectCreateRequest, ProjectUpdateRequest, parse_body
from neon_emulator.wire import (
    JSON,
    branch_json,
    connection_json,
    database_json,
    endpoint_json,
    operation_json,
    project_json,
    project_list_item_json,
    role_json,
)

if TYPE_CHECKING:
    from neon_emulator.backend import NeonBackend
    from neon_emulator.models import Project


# TimeoutParam in Neon's spec: milliseconds, 100 to 30000.
TIMEOUT_MS = (100, 30_000)


class Query:
    """Typed access to query parameters; bad values become 400s naming the parameter."""

    def __init__(self, raw: str) -> None:
        self._values = parse_qs(raw, keep_blank_values=True)

    def text(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[-1] if values else None

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise BadRequest(f"query parameter {name} is required")
        return value

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        try:
            return None if value is None else int(value)
        except ValueError:
            raise BadRequest(f"query parameter {name} must be an integer") from None

    def bounded(self, name: str, low: int, high: int) -> int | None:
        value = self.integer(name)
        if value is not None and not low <= value <= high:
            raise BadRequest(f"query parameter {name} must be between {low} and {high}")
        return value

    def matching(self, name: str, pattern: re.Pattern[str]) -> str | None:
        value = self.text(name)
        if value is not None and not pattern.match(value):
            raise BadRequest(f"query parameter {name} must match {pattern.pattern}")
        return value

    def boolean(self, name: str) -> bool:
        value = (self.text(name) or "false").lower()
        if value not in ("true", "false"):
            raise BadRequest(f"query parameter {name} must be true or false")
        return value == "true"


@dataclass(frozen=True)
class Call:
    backend: NeonBackend
    params: dict[str, str]
    query: Query
    body: Any


@dataclass(frozen=True)
class Reply:
    status: int
    body: JSON | None  # None: 204 No Content


Handler = Callable[[Call], Reply]


def ok(body: JSON, status: int = 200) -> Reply:
    return Reply(status, body)


def operations(ops: list[Any]) -> list[JSON]:
    return [operation_json(op) for op in ops]


def _project_json(call: Call, project: Project) -> JSON:
    return project_json(project, call.backend.plan_for(project.org_id))


def create_project(call: Call) -> Reply:
    result = call.backend.create_project(parse_body(ProjectCreateRequest, call.body))
    return ok(
        {
            "project": _project_json(call, result.project),
            "connection_uris": [connection_json(details) for details in result.connection_uris],
            "roles": [role_json(role, password=role.password) for role in result.roles],
            "databases": [database_json(database) for database in result.databases],
            "operations": operations(result.operations),
            "branch": branch_json(result.branch),
            "endpoints": [endpoint_json(endpoint) for endpoint in result.endpoints],
        },
        201,
    )


def list_projects(call: Call) -> Reply:
    q = call.query
    q.bounded("timeout", *TIMEOUT_MS)  # answers are immediate: the timeout is only checked
    result = call.backend.list_projects(
        cursor=q.text("cursor"), limit=q.integer("limit"), search=q.text("search"), org_id=q.matching("org_id", ORG_ID)
    )
    body: JSON = {
        "projects": [project_list_item_json(project) for project in result.projects],
        "applications": {},
        "integrations": {},
    }
    if result.cursor:
        body["pagination"] = {"cursor": result.cursor}
    return ok(body)


def list_shared_projects(call: Call) -> Reply:
    """Projects other accounts share with this one: sharing is not modelled, so always none."""
    q = call.query
    q.bounded("timeout", *TIMEOUT_MS)
    call.backend.list_shared_projects(cursor=q.text("cursor"), limit=q.integer("limit"))
    return ok({"projects": []})


def get_project(call: Call) -> Reply:
    return ok({"project": _project_json(call, call.backend.get_project(call.params["project_id"]))})


def update_project(call: Call) -> Reply:
    request = parse_body(ProjectUpdateRequest, call.body)
    result = call.backend.update_project(call.params["project_id"], request)
    return ok(
        {
            "project": _project_json(call, result.project),
            "operations": operations(result.operations),
        }
    )


def delete_project(call: Call) -> Reply:
    return ok({"project": _project_json(call, call.backend.delete_project(call.params["project_id"]))})


def get_connection_uri(call: Call) -> Reply:
    q = call.query
    uri = call.backend.get_connection_uri(
        call.params["project_id"],
        database_name=q.required("database_name"),
        role_name=q.required("role_name"),
        branch_id=q.text("branch_id"),
        endpoint_id=q.text("endpoint_id"),
        pooled=q.boolean("pooled"),
    )
    return ok({"uri": uri})


def list_project_operations(call: Call) -> Reply:
    result = call.backend.list_project_operations(
        call.params["project_id"], cursor=call.query.text("cursor"), limit=call.query.integer("limit")
    )
    body: JSON = {"operations": operations(result.operations)}
    if result.cursor:
        body["pagination"] = {"cursor": result.cursor}
    return ok(body)


def get_project_operation(call: Call) -> Reply:
    operation = call.backend.get_project_operation(call.params["project_id"], call.params["operation_id"])
    return ok({"operation": operation_json(operation)})


def get_active_regions(call: Call) -> Reply:
    regions = call.backend.get_active_regions()
    default = "aws-us-east-2"
    return ok(
        {
            "regions": [
                {
                    "region_id": r.region_id,
                    "name": r.name,
                    "default": r.region_id == default,
                    "geo_lat": r.geo_lat,
                    "geo_long": r.geo_long,
                }
                for r in regions
            ]
        }
    )
