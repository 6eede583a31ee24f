"""Small helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.clock import FakeClock

SETTLE_SECONDS = 60.0
# A project's `settings` when created without any: the values in Neon's API reference examples.
NEON_DEFAULT_SETTINGS = {
    "allowed_ips": {"ips": [], "protected_branches_only": False},
    "enable_logical_replication": False,
    "maintenance_window": {"weekdays": [5], "start_time": "19:00", "end_time": "20:00"},
    "block_public_connections": False,
    "block_vpc_connections": False,
    "hipaa": False,
}


def settle(clock: FakeClock) -> None:
    """Advance the fake clock past every pending operation."""
    clock.advance(SETTLE_SECONDS)


def create_project(client: httpx.Client, clock: FakeClock, **fields: Any) -> dict[str, Any]:
    """Create a project and let its operations finish; returns the 201 body."""
    response = client.post("/projects", json={"project": fields})
    assert response.status_code == 201, response.text
    settle(clock)
    body: dict[str, Any] = response.json()
    return body


def create_branch(client: httpx.Client, clock: FakeClock, project_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/projects/{project_id}/branches", json=body)
    assert response.status_code == 201, response.text
    settle(clock)
    created: dict[str, Any] = response.json()
    return created


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    """(status, code, message) of an error response, checking Neon's error shape on the way."""
    body = response.json()
    assert set(body) == {"code", "message", "request_id"}, body
    assert body["request_id"] == response.headers["x-request-id"]
    return response.status_code, body["code"], body["message"]
