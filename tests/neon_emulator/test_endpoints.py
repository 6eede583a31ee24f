"""Endpoints: create (one read_write per branch), list, get, update, delete, start/suspend/restart."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from neon_emulator import NeonBackend
from tests.neon_emulator.helpers import create_branch, create_project, error_of, settle
from tests.support.clock import FakeClock


@pytest.fixture
def setup(client: httpx.Client, clock: FakeClock) -> dict[str, Any]:
    project = create_project(client, clock, region_id="azure-gwc")
    pid = project["project"]["id"]
    dev = create_branch(client, clock, pid, branch={"name": "dev"})["branch"]["id"]
    return {
        "pid": pid,
        "main": project["branch"]["id"],
        "dev": dev,
        "main_endpoint": project["endpoints"][0]["id"],
    }


def _create(client: httpx.Client, setup: dict[str, Any], **fields: Any) -> httpx.Response:
    body = {"endpoint": {"branch_id": setup["dev"], "type": "read_write", **fields}}
    return client.post(f"/projects/{setup['pid']}/endpoints", json=body)


def test_create_endpoint__starts_compute_and_becomes_active(
    client: httpx.Client, clock: FakeClock, setup: dict[str, Any]
) -> None:
    response = _create(client, setup, name="writer", autoscaling_limit_min_cu=0.5, autoscaling_limit_max_cu=4)

    assert response.status_code == 201
    endpoint = response.json()["endpoint"]
    assert endpoint["host"] == f"{endpoint['id']}.gwc.azure.neon.tech"
    assert endpoint["name"] == "writer"
    assert endpoint["region_id"] == "azure-gwc"
    assert (endpoint["current_state"], endpoint["pending_state"]) == ("init", "active")
    assert [op["action"] for op in response.json()["operations"]] == ["start_compute"]
    settle(clock)
    fetched = client.get(f"/projects/{setup['pid']}/endpoints/{endpoint['id']}").json()["endpoint"]
    assert fetched["current_state"] == "active"
    assert fetched["started_at"] == "2026-01-01T00:02:01Z"


def test_create_endpoint__second_read_write_on_branch_is_409(
    client: httpx.Client, clock: FakeClock, setup: dict[str, Any]
) -> None:
    assert _create(client, setup).status_code == 201
    settle(clock)
    status, _, message = error_of(_create(client, setup))
    assert status == 409
    assert "already has a read_write endpoint" in message


def test_create_endpoint__read_only_endpoints_are_unlimited(
    client: httpx.Client, clock: FakeClock, setup: dict[str, Any]
) -> None:
    for _ in range(3):
        assert _create(client, setup, type="read_only").status_code == 201
        settle(clock)
    assert len(client.get(f"/projects/{setup['pid']}/branches/{setup['dev']}/endpoints").json()["endpoints"]) == 3


def test_create_endpoint__other_region_is_400(client: httpx.Client, setup: dict[str, Any]) -> None:
    assert _create(client, setup, region_id="aws-us-east-2").status_code == 400


def test_create_endpoint__unknown_branch_is_404(client: httpx.Client, setup: dict[str, Any]) -> None:
    assert _create(client, setup, branch_id="br-unknown-x-00000000").status_code == 404


def test_create_endpoint__missing_type_is_400(client: httpx.Client, setup: dict[str, Any]) -> None:
    response = client.post(f"/projects/{setup['pid']}/endpoints", json={"endpoint": {"branch_id": setup["dev"]}})
    assert response.status_code == 400
    assert "endpoint.type" in response.json()["message"]


def test_create_endpoint__max_cu_over_free_plan_limit(
    client: httpx.Client, backend: NeonBackend, setup: dict[str, Any]
) -> None:
    backend.configure(plan="free")
    status, _, message = error_of(_create(client, setup, autoscaling_limit_max_cu=8))
    assert status == 422
    assert "free plan" in message


def test_create_endpoint__min_above_max_is_400(client: httpx.Client, setup: dict[str, Any]) -> None:
    assert _create(client, setup, autoscaling_limit_min_cu=4, autoscaling_limit_max_cu=1).status_code == 400


def test_create_endpoint__disabled_stays_idle_without_operations(client: httpx.Client, setup: dict[str, Any]) -> None:
    response = _create(client, setup, disabled=True)
    assert response.json()["endpoint"]["current_state"] == "idle"
    assert response.json()["operations"] == []


def test_list_endpoints(client: httpx.Client, setup: dict[str, Any]) -> None:
    endpoints = client.get(f"/projects/{setup['pid']}/endpoints").json()["endpoints"]
    assert [e["id"] for e in endpoints] == [setup["main_endpoint"]]


def test_update_endpoint__applies_config(client: httpx.Client, setup: dict[str, Any]) -> None:
    url = f"/projects/{setup['pid']}/endpoints/{setup['main_endpoint']}"
    body = {"endpoint": {"suspend_timeout_seconds": 600, "settings": {"pg_settings": {"work_mem": "64MB"}}}}

    response = client.patch(url, json=body)

    endpoint = response.json()["endpoint"]
    assert endpoint["suspend_timeout_seconds"] == 600
    assert endpoint["settings"] == {"pg_settings": {"work_mem": "64MB"}}
    assert [op["action"] for op in response.json()["operations"]] == ["apply_config"]


def test_update_endpoint__disable_suspends(client: httpx.Client, clock: FakeClock, setup: dict[str, Any]) -> None:
    url = f"/projects/{setup['pid']}/endpoints/{setup['main_endpoint']}"
    response = client.patch(url, json={"endpoint": {"disabled": True}})
    assert [op["action"] for op in response.json()["operations"]] == ["suspend_compute"]
    settle(clock)
    assert client.get(url).json()["endpoint"]["current_state"] == "idle"
    assert client.post(f"{url}/start").status_code == 422


def test_suspend_then_start(client: httpx.Client, clock: FakeClock, setup: dict[str, Any]) -> None:
    url = f"/projects/{setup['pid']}/endpoints/{setup['main_endpoint']}"

    suspended = client.post(f"{url}/suspend").json()
    assert suspended["endpoint"]["pending_state"] == "idle"
    settle(clock)
    assert client.get(url).json()["endpoint"]["current_state"] == "idle"
    assert "suspended_at" in client.get(url).json()["endpoint"]

    started = client.post(f"{url}/start").json()
    assert [op["action"] for op in started["operations"]] == ["start_compute"]
    settle(clock)
    assert client.get(url).json()["endpoint"]["current_state"] == "active"


def test_restart__suspends_then_starts(client: httpx.Client, setup: dict[str, Any]) -> None:
    url = f"/projects/{setup['pid']}/endpoints/{setup['main_endpoint']}/restart"
    actions = [op["action"] for op in client.post(url).json()["operations"]]
    assert actions == ["suspend_compute", "start_compute"]


def test_delete_endpoint__then_204(client: httpx.Client, clock: FakeClock, setup: dict[str, Any]) -> None:
    url = f"/projects/{setup['pid']}/endpoints/{setup['main_endpoint']}"

    response = client.delete(url)

    assert response.status_code == 200
    assert [op["action"] for op in response.json()["operations"]] == ["suspend_compute"]
    settle(clock)
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 204
    assert client.delete(f"/projects/{setup['pid']}/endpoints/ep-never-was-00000000").status_code == 404


def test_delete_endpoint__on_protected_branch_is_refused(
    client: httpx.Client, clock: FakeClock, setup: dict[str, Any]
) -> None:
    client.patch(f"/projects/{setup['pid']}/branches/{setup['main']}", json={"branch": {"protected": True}})
    settle(clock)
    status, _, message = error_of(client.delete(f"/projects/{setup['pid']}/endpoints/{setup['main_endpoint']}"))
    assert status == 422
    assert "protected branch" in message
