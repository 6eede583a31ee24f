"""The admin API under `/_emulator/` (no auth, not logged): reset, seed, request log, faults, state
dump (passwords redacted) and run-time configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from neon_emulator.faults import ActiveFault, FaultRule
from neon_emulator.messages import AppResponse, json_response
from neon_emulator.models import Project
from neon_emulator.wire import (
    JSON,
    REDACTED,
    annotation_json,
    branch_json,
    database_json,
    endpoint_json,
    operation_json,
    project_json,
    role_json,
)

if TYPE_CHECKING:
    from neon_emulator.backend import NeonBackend


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int


class ConfigRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation_seconds: float | None = Field(default=None, ge=0)
    plan: Literal["free", "launch", "scale"] | None = None


def _reply(status: int, payload: object) -> AppResponse:
    return json_response(status, payload)


def _fault_json(fault: ActiveFault) -> JSON:
    return {"id": fault.id, "remaining": fault.remaining, **fault.rule.model_dump(exclude_none=True)}


def _config_json(backend: NeonBackend) -> JSON:
    return {"plan": backend.plan.name, "operation_seconds": backend.operation_seconds, "seed": backend.seed}


def project_dump(project: Project, backend: NeonBackend) -> JSON:
    """Every field of a project and what it owns; role passwords are replaced by REDACTED."""
    return {
        "project": project_json(project, backend.plan),
        "branches": [
            {
                "branch": branch_json(branch),
                "annotation": annotation_json(branch),
                "databases": [database_json(database) for database in branch.databases.values()],
                "roles": [
                    role_json(role, password=REDACTED if role.password is not None else None)
                    for role in branch.roles.values()
                ],
            }
            for branch in project.branches.values()
        ],
        "endpoints": [endpoint_json(endpoint) for endpoint in project.endpoints.values()],
        "operations": [operation_json(operation) for operation in project.operations],
    }


def _requests_json(backend: NeonBackend) -> JSON:
    entries = backend.request_log
    return {
        "total": len(entries),
        "counts": backend.request_counts(),
        "requests": [
            {
                "method": e.method,
                "path": e.path,
                "route": e.route,
                "status": e.status,
                "request_id": e.request_id,
                "fault": e.fault,
            }
            for e in entries
        ],
    }


def _parse(model: type[BaseModel], body: bytes) -> Any:
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ValueError(f"{where}: {first['msg']}") from None


def handle(backend: NeonBackend, method: str, path: str, body: bytes) -> AppResponse:
    try:
        return _route(backend, method, path.rstrip("/") or "/", body)
    except ValueError as exc:
        return _reply(400, {"code": "BAD_REQUEST", "message": str(exc)})


def _route(backend: NeonBackend, method: str, path: str, body: bytes) -> AppResponse:  # noqa: PLR0911
    key = (method, path)
    if key == ("POST", "/reset"):
        backend.reset()
        return _reply(200, {"reset": True})
    if key == ("POST", "/seed"):
        backend.set_seed(_parse(SeedRequest, body).seed)
        return _reply(200, _config_json(backend))
    if key == ("GET", "/requests"):
        return _reply(200, _requests_json(backend))
    if key == ("DELETE", "/requests"):
        return _reply(200, {"cleared": backend.log.clear()})
    if key == ("POST", "/faults"):
        return _reply(201, _fault_json(backend.faults.add(_parse(FaultRule, body))))
    if key == ("GET", "/faults"):
        return _reply(200, {"faults": [_fault_json(fault) for fault in backend.faults.active()]})
    if key == ("DELETE", "/faults"):
        return _reply(200, {"cleared": backend.faults.clear()})
    if key == ("GET", "/state"):
        projects = [project_dump(project, backend) for project in backend.snapshot()]
        return _reply(200, {**_config_json(backend), "projects": projects})
    if key == ("GET", "/config"):
        return _reply(200, _config_json(backend))
    if key == ("POST", "/config"):
        config = _parse(ConfigRequest, body)
        backend.configure(operation_seconds=config.operation_seconds, plan=config.plan)
        return _reply(200, _config_json(backend))
    return _reply(404, {"code": "NOT_FOUND", "message": f"no admin route {method} /_emulator{path}"})
