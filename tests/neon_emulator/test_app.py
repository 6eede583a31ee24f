"""The app layer: authentication, request ids, routing errors, the request log and the admin API."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from neon_emulator import EmulatorTransport, NeonBackend
from tests.neon_emulator.conftest import API_KEY, BASE_URL
from tests.neon_emulator.helpers import NEON_DEFAULT_SETTINGS, create_project, error_of
from tests.support.clock import FakeClock


def _client(backend: NeonBackend, clock: FakeClock, api_key: str | None, headers: dict[str, str]) -> httpx.Client:
    transport = EmulatorTransport(backend, api_key=api_key, sleep=clock.sleep)
    return httpx.Client(transport=transport, base_url=BASE_URL, headers=headers)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}])
def test_auth__missing_or_malformed_bearer_is_401(
    backend: NeonBackend, clock: FakeClock, headers: dict[str, str]
) -> None:
    with _client(backend, clock, None, headers) as client:
        status, code, message = error_of(client.get("/projects"))
    assert (status, code) == (401, "UNAUTHORIZED")
    assert "Bearer" in message


def test_auth__any_key_accepted_without_api_key_option(backend: NeonBackend, clock: FakeClock) -> None:
    with _client(backend, clock, None, {"Authorization": "Bearer whatever"}) as client:
        assert client.get("/projects").status_code == 200


def test_auth__api_key_option_requires_that_key(backend: NeonBackend, clock: FakeClock) -> None:
    with _client(backend, clock, "s3cret-key", {"Authorization": "Bearer wrong"}) as client:
        response = client.get("/projects")
        assert response.status_code == 401
        assert "s3cret-key" not in response.text
        assert "wrong" not in response.text
    with _client(backend, clock, "s3cret-key", {"Authorization": "Bearer s3cret-key"}) as client:
        assert client.get("/projects").status_code == 200


def test_request_id__honours_incoming_header(client: httpx.Client) -> None:
    response = client.get("/projects/missing-project-1", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"
    assert response.json()["request_id"] == "trace-123"


def test_request_id__generated_on_every_response(client: httpx.Client) -> None:
    response = client.get("/projects")
    assert uuid.UUID(response.headers["x-request-id"])


def test_routing__unknown_route_404_and_wrong_method_405(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock)["project"]["id"]
    assert error_of(client.get("/no/such/route"))[:2] == (404, "NOT_FOUND")
    assert error_of(client.put(f"/projects/{project}"))[:2] == (405, "METHOD_NOT_ALLOWED")
    outside = client.get("http://neon.test/api/v1/projects")
    assert outside.status_code == 404


def test_request_log__counts_per_route_template(client: httpx.Client, clock: FakeClock, backend: NeonBackend) -> None:
    created = create_project(client, clock)
    project, operation = created["project"]["id"], created["operations"][0]["id"]
    for _ in range(3):
        client.get(f"/projects/{project}/operations/{operation}")
    client.get("/projects/unknown-project-1")

    assert backend.request_counts() == {
        "POST /projects": 1,
        "GET /projects/{project_id}/operations/{operation_id}": 3,
        "GET /projects/{project_id}": 1,
    }
    entry = backend.request_log[-1]
    assert (entry.method, entry.path, entry.route, entry.status) == (
        "GET",
        "/projects/unknown-project-1",
        "/projects/{project_id}",
        404,
    )


def test_request_log__admin_api_view_and_clear(client: httpx.Client, admin: httpx.Client, backend: NeonBackend) -> None:
    arrived = backend.now()
    client.get("/projects", headers={"X-Request-ID": "r-1"})
    admin.get("/state")  # admin calls are not logged

    log = admin.get("/requests").json()

    assert log["total"] == 1
    assert log["counts"] == {"GET /projects": 1}
    assert log["requests"] == [
        {
            "method": "GET",
            "path": "/projects",
            "route": "/projects",
            "status": 200,
            "request_id": "r-1",
            "fault": None,
            "at": arrived,  # the emulator's clock when it arrived (a fake clock here: unchanged)
        }
    ]
    assert admin.delete("/requests").json() == {"cleared": 1}
    assert admin.get("/requests").json()["total"] == 0


def test_request_log__never_contains_the_api_key(client: httpx.Client, admin: httpx.Client) -> None:
    client.get("/projects")
    assert API_KEY not in admin.get("/requests").text


def test_admin_state__dumps_every_field_with_passwords_redacted(
    client: httpx.Client, clock: FakeClock, admin: httpx.Client
) -> None:
    created = create_project(
        client,
        clock,
        name="dump",
        history_retention_seconds=7200,
        settings={"allowed_ips": {"ips": ["192.0.2.1"]}},
    )
    password = created["roles"][0]["password"]

    state = admin.get("/state").json()

    assert password not in json.dumps(state)
    (project,) = state["projects"]
    assert project["project"]["history_retention_seconds"] == 7200
    # What was set, completed with Neon's defaults (issue 12: real Neon always sends them).
    assert project["project"]["settings"] == {
        **NEON_DEFAULT_SETTINGS,
        "allowed_ips": {"ips": ["192.0.2.1"], "protected_branches_only": False},
    }
    (branch,) = project["branches"]
    assert branch["branch"]["name"] == "main"
    assert branch["branch"]["protected"] is False
    assert branch["roles"] == [{**branch["roles"][0], "name": "neondb_owner", "password": "REDACTED"}]
    assert branch["databases"][0]["name"] == "neondb"
    assert [e["type"] for e in project["endpoints"]] == ["read_write"]
    assert state["plan"] == "scale"
    assert state["operation_seconds"] == 1.0


def test_admin_config__changes_plan_and_operation_seconds(client: httpx.Client, admin: httpx.Client) -> None:
    assert admin.post("/config", json={"plan": "free", "operation_seconds": 0}).json() == {
        "plan": "free",
        "operation_seconds": 0.0,
        "seed": 0,
    }
    created = client.post("/projects", json={}).json()
    assert created["project"]["history_retention_seconds"] == 21_600
    assert {op["status"] for op in created["operations"]} == {"finished"}
    assert admin.post("/config", json={"plan": "enterprise"}).status_code == 400
    assert admin.post("/config", json={"operation_seconds": -1}).status_code == 400


def test_admin__unknown_route_is_404(admin: httpx.Client) -> None:
    assert admin.get("/nothing").status_code == 404
