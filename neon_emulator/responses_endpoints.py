"""HTTP handlers for endpoints (computes)."""

from __future__ import annotations

from neon_emulator.requests import EndpointCreateRequest, EndpointUpdateRequest, parse_body
from neon_emulator.responses import Call, Reply, ok, operations
from neon_emulator.results import EndpointChanged
from neon_emulator.wire import endpoint_json


def _ids(call: Call) -> tuple[str, str]:
    return call.params["project_id"], call.params["endpoint_id"]


def _reply(result: EndpointChanged | None, status: int = 200) -> Reply:
    if result is None:
        return Reply(204, None)
    return ok({"endpoint": endpoint_json(result.endpoint), "operations": operations(result.operations)}, status)


def create_endpoint(call: Call) -> Reply:
    request = parse_body(EndpointCreateRequest, call.body)
    return _reply(call.backend.create_project_endpoint(call.params["project_id"], request), 201)


def list_endpoints(call: Call) -> Reply:
    endpoints = call.backend.list_project_endpoints(call.params["project_id"])
    return ok({"endpoints": [endpoint_json(endpoint) for endpoint in endpoints]})


def get_endpoint(call: Call) -> Reply:
    return ok({"endpoint": endpoint_json(call.backend.get_project_endpoint(*_ids(call)))})


def update_endpoint(call: Call) -> Reply:
    request = parse_body(EndpointUpdateRequest, call.body)
    return _reply(call.backend.update_project_endpoint(*_ids(call), request))


def delete_endpoint(call: Call) -> Reply:
    return _reply(call.backend.delete_project_endpoint(*_ids(call)))


def start_endpoint(call: Call) -> Reply:
    return _reply(call.backend.start_project_endpoint(*_ids(call)))


def suspend_endpoint(call: Call) -> Reply:
    return _reply(call.backend.suspend_project_endpoint(*_ids(call)))


def restart_endpoint(call: Call) -> Reply:
    return _reply(call.backend.restart_project_endpoint(*_ids(call)))
