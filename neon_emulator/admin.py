"""The admin API under `/_emulator/` (no auth, not logged): reset, seed, request log, faults, state
dump (passwords redacted) and run-time configuration."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from neon_emulator.core import MAX_OPERATION_SECONDS
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
    snapshot_json,
)

if TYPE_CHECKING:
    from neon_emulator.backend import NeonBackend


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int


class ConfigRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    operation_seconds: float | None = Field(default=None, ge=0, le=MAX_OPERATION_SECONDS)
    plan: Literal["free", "launch", "scale"] | None = None
    # Organization id -> plan; adds to (or changes) the organizations already declared.
    orgs: dict[str, Literal["free", "launch", "scale"]] | None = None


def _reply(status: int, payload: object) -> AppResponse:
    return json_response(status, payload)


def _fault_json(fault: ActiveFault) -> JSON:
    return {"id": fault.id, "remaining": fault.remaining, **fault.rule.model_dump(exclude_none=True)}


def _config_json(backend: NeonBackend) -> JSON:
    config: JSON = {"plan": backend.plan.name, "operation_seconds": backend.operation_seconds, "seed": backend.seed}
    orgs = backend.plans.names()
    if orgs:  # only once organizations are declared: a single-plan emulator answers as it always did
        config["orgs"] = orgs
    return config


def project_dump(project: Project, backend: NeonBackend) -> JSON:
    """Every field of a project and what it owns; role passwords are replaced by REDACTED."""
    return {
        "project": project_json(project, backend.plan_for(project.org_id)),
        "branches": [
            {
                "branch": branch_json(branch),
                "annotation": annotation_json(branch),
                "databases": [database_json(database) for database in branch.databases.values()],
                "roles": [
                    role_json(role, password=REDACTED if role.password is not None else None)
                    for role in branch.roles.values()
                ],
                "backup_schedule": [item.model_dump(exclude_none=True) for item in branch.backup_schedule],
            }
            for branch in project.branches.values()
        ],
        "snapshots": [snapshot_json(snapshot) for snapshot in project.snapshots.values()],
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
                "at": e.at,
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


def _configure(backend: NeonBackend, body: bytes) -> AppResponse:
    config = _parse(ConfigRequest, body)
    backend.configure(operation_seconds=config.operation_seconds, plan=config.plan, orgs=config.orgs)
    return _reply(200, _config_json(backend))


def _state(backend: NeonBackend) -> JSON:
    return {**_config_json(backend), "projects": [project_dump(project, backend) for project in backend.snapshot()]}


def _reset(backend: NeonBackend) -> JSON:
    backend.reset()
    return {"reset": True}


def _seed(backend: NeonBackend, body: bytes) -> JSON:
    backend.set_seed(_parse(SeedRequest, body).seed)
    return _config_json(backend)


Action = Callable[["NeonBackend", bytes], AppResponse]
ROUTES: dict[tuple[str, str], Action] = {
    ("POST", "/reset"): lambda b, _: _reply(200, _reset(b)),
    ("POST", "/seed"): lambda b, body: _reply(200, _seed(b, body)),
    ("GET", "/requests"): lambda b, _: _reply(200, _requests_json(b)),
    ("DELETE", "/requests"): lambda b, _: _reply(200, {"cleared": b.log.clear()}),
    ("POST", "/faults"): lambda b, body: _reply(201, _fault_json(b.faults.add(_parse(FaultRule, body)))),
    ("GET", "/faults"): lambda b, _: _reply(200, {"faults": [_fault_json(f) for f in b.faults.active()]}),
    ("DELETE", "/faults"): lambda b, _: _reply(200, {"cleared": b.faults.clear()}),
    ("GET", "/state"): lambda b, _: _reply(200, _state(b)),
    ("GET", "/config"): lambda b, _: _reply(200, _config_json(b)),
    ("POST", "/config"): _configure,
}


def _route(backend: NeonBackend, method: str, path: str, body: bytes) -> AppResponse:
    action = ROUTES.get((method, path))
    if action is not None:
        return action(backend, body)
    allowed = sorted(m for m, p in ROUTES if p == path)
    if allowed:
        message = f"method {method} is not allowed on /_emulator{path}; allowed: {', '.join(allowed)}"
        return AppResponse(
            405,
            [("Content-Type", "application/json"), ("Allow", ", ".join(allowed))],
            json.dumps({"code": "METHOD_NOT_ALLOWED", "message": message}).encode(),
        )
    return _reply(404, {"code": "NOT_FOUND", "message": f"no admin route {method} /_emulator{path}"})
