"""Operations: clock-driven progress (scheduling -> running -> finished), chaining, 423 while running,
listing and lookup."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from neon_emulator import NeonBackend
from tests.neon_emulator.helpers import create_project, error_of, settle
from tests.support.clock import FakeClock

LOCKED = "project already has running conflicting operations, scheduling of new ones is prohibited"


def _operation(client: httpx.Client, project: str, operation: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/projects/{project}/operations/{operation}").json()["operation"]
    return body


def test_operations__progress_with_the_clock_one_after_another(client: httpx.Client, clock: FakeClock) -> None:
    created = client.post("/projects", json={}).json()
    project = created["project"]["id"]
    first, second = (op["id"] for op in created["operations"])

    clock.advance(0.5)
    assert _operation(client, project, first)["status"] == "running"
    assert _operation(client, project, second)["status"] == "scheduling"
    assert _operation(client, project, first)["total_duration_ms"] == 500

    clock.advance(1.0)
    done = _operation(client, project, first)
    assert (done["status"], done["total_duration_ms"], done["updated_at"]) == (
        "finished",
        1000,
        "2026-01-01T00:00:01Z",
    )
    assert _operation(client, project, second)["status"] == "running"

    clock.advance(0.5)
    assert _operation(client, project, second)["status"] == "finished"
    assert _operation(client, project, second)["created_at"] == "2026-01-01T00:00:00Z"


def test_operations__mutation_while_running_is_423_then_succeeds(client: httpx.Client, clock: FakeClock) -> None:
    project = client.post("/projects", json={}).json()["project"]["id"]
    clock.advance(1.5)  # first operation finished, second still running

    response = client.post(f"/projects/{project}/branches", json={"branch": {"name": "dev"}})

    status, code, message = error_of(response)
    assert (status, code, message) == (423, "LOCKED", LOCKED)
    assert client.get(f"/projects/{project}/branches/count").json() == {"count": 1}  # nothing applied
    clock.advance(0.5)
    assert client.post(f"/projects/{project}/branches", json={"branch": {"name": "dev"}}).status_code == 201


def test_operations__reads_work_while_locked(client: httpx.Client) -> None:
    created = client.post("/projects", json={}).json()
    project, branch = created["project"]["id"], created["branch"]["id"]
    for path in (
        "",
        "/branches",
        f"/branches/{branch}",
        f"/branches/{branch}/roles",
        "/operations",
        "/endpoints",
    ):
        assert client.get(f"/projects/{project}{path}").status_code == 200, path


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "", {"project": {"history_retention_seconds": 60}}),
        ("POST", "/branches/{branch}/databases", {"database": {"name": "x", "owner_name": "neondb_owner"}}),
        ("POST", "/branches/{branch}/roles", {"role": {"name": "x"}}),
        ("POST", "/branches/{branch}/roles/neondb_owner/reset_password", None),
        ("PATCH", "/branches/{branch}", {"branch": {"protected": True}}),
        ("POST", "/endpoints/{endpoint}/suspend", None),
        ("PATCH", "/endpoints/{endpoint}", {"endpoint": {"suspend_timeout_seconds": 60}}),
    ],
)
def test_operations__every_operation_creating_mutation_is_locked(
    client: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    created = client.post("/projects", json={}).json()
    url = f"/projects/{created['project']['id']}" + path.format(
        branch=created["branch"]["id"], endpoint=created["endpoints"][0]["id"]
    )
    assert client.request(method, url, json=body).status_code == 423


def test_operations__changes_without_operations_are_not_locked(client: httpx.Client) -> None:
    created = client.post("/projects", json={}).json()
    url = f"/projects/{created['project']['id']}/branches/{created['branch']['id']}"
    response = client.patch(url, json={"branch": {"name": "primary"}})
    assert response.status_code == 200
    assert response.json()["operations"] == []


def test_operations__zero_duration_finishes_immediately(client: httpx.Client, backend: NeonBackend) -> None:
    backend.configure(operation_seconds=0)
    created = client.post("/projects", json={}).json()
    assert {op["status"] for op in created["operations"]} == {"finished"}
    assert created["branch"]["current_state"] == "ready"
    assert client.post(f"/projects/{created['project']['id']}/branches").status_code == 201


def test_list_operations__newest_first_with_cursor(client: httpx.Client, clock: FakeClock) -> None:
    created = create_project(client, clock)
    project = created["project"]["id"]
    client.patch(f"/projects/{project}", json={"project": {"history_retention_seconds": 60}})
    settle(clock)

    first = client.get(f"/projects/{project}/operations", params={"limit": 2}).json()
    rest = client.get(f"/projects/{project}/operations", params={"limit": 2, "cursor": first["pagination"]["cursor"]})

    assert [op["action"] for op in first["operations"]] == ["apply_storage_config", "start_compute"]
    assert [op["action"] for op in rest.json()["operations"]] == ["create_timeline"]


def test_get_operation__unknown_is_404(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock)["project"]["id"]
    response = client.get(f"/projects/{project}/operations/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404


def test_operations__branch_and_endpoint_ids_recorded(client: httpx.Client) -> None:
    created = client.post("/projects", json={}).json()
    start = created["operations"][1]
    assert start["branch_id"] == created["branch"]["id"]
    assert start["endpoint_id"] == created["endpoints"][0]["id"]
