"""Branch restore: reset from parent, restore from another branch, PITR onto itself, preserve_under_name."""

from __future__ import annotations

import httpx
import pytest

from tests.neon_emulator.helpers import create_branch, create_project, error_of, settle
from tests.support.clock import FakeClock


@pytest.fixture
def setup(client: httpx.Client, clock: FakeClock) -> dict[str, str]:
    project = create_project(client, clock)
    pid, main = project["project"]["id"], project["branch"]["id"]
    dev = create_branch(client, clock, pid, branch={"name": "dev"})["branch"]["id"]
    return {"pid": pid, "main": main, "dev": dev}


def _url(ids: dict[str, str], branch: str, suffix: str = "") -> str:
    return f"/projects/{ids['pid']}/branches/{ids[branch]}{suffix}"


def test_restore__reset_from_parent_takes_parent_roles_and_keeps_child_passwords(
    client: httpx.Client, clock: FakeClock, setup: dict[str, str]
) -> None:
    client.post(_url(setup, "main", "/roles"), json={"role": {"name": "reporting"}})
    settle(clock)
    client.post(_url(setup, "dev", "/roles"), json={"role": {"name": "scratch"}})
    settle(clock)
    before = client.get(_url(setup, "dev", "/roles/neondb_owner/reveal_password")).json()["password"]

    response = client.post(_url(setup, "dev", "/restore"), json={"source_branch_id": setup["main"]})

    assert response.status_code == 200
    branch = response.json()["branch"]
    assert branch["current_state"] == "resetting"
    assert branch["last_reset_at"] == branch["updated_at"]
    assert [op["action"] for op in response.json()["operations"]] == ["create_timeline"]
    settle(clock)
    roles = {r["name"] for r in client.get(_url(setup, "dev", "/roles")).json()["roles"]}
    assert roles == {"neondb_owner", "reporting"}
    assert client.get(_url(setup, "dev", "/roles/neondb_owner/reveal_password")).json()["password"] == before
    assert client.get(_url(setup, "dev")).json()["branch"]["current_state"] == "ready"


def test_restore__protected_target_is_refused(client: httpx.Client, clock: FakeClock, setup: dict[str, str]) -> None:
    client.patch(_url(setup, "dev"), json={"branch": {"protected": True}})
    settle(clock)
    status, _, message = error_of(client.post(_url(setup, "dev", "/restore"), json={"source_branch_id": setup["main"]}))
    assert status == 422
    assert "protected" in message
    assert "reset" in message


def test_restore__onto_itself_needs_point_in_time_and_preserve_name(
    client: httpx.Client, setup: dict[str, str]
) -> None:
    url = _url(setup, "dev", "/restore")
    no_point = client.post(url, json={"source_branch_id": setup["dev"], "preserve_under_name": "old"})
    assert no_point.status_code == 400
    assert "source_timestamp" in no_point.json()["message"]
    no_name = client.post(url, json={"source_branch_id": setup["dev"], "source_timestamp": "2026-01-01T00:01:00Z"})
    assert no_name.status_code == 400
    assert "preserve_under_name" in no_name.json()["message"]


def test_restore__onto_itself_preserves_old_state(
    client: httpx.Client, clock: FakeClock, setup: dict[str, str]
) -> None:
    body = {
        "source_branch_id": setup["dev"],
        "source_timestamp": "2026-01-01T00:01:30Z",
        "preserve_under_name": "dev_old",
    }

    response = client.post(_url(setup, "dev", "/restore"), json=body)

    assert response.status_code == 200, response.text
    assert [op["action"] for op in response.json()["operations"]] == ["create_branch", "create_timeline"]
    assert response.json()["branch"]["parent_timestamp"] == "2026-01-01T00:01:30Z"
    names = {b["name"] for b in client.get(f"/projects/{setup['pid']}/branches").json()["branches"]}
    assert names == {"main", "dev", "dev_old"}


def test_restore__target_with_children_needs_preserve_name_and_children_move(
    client: httpx.Client, clock: FakeClock, setup: dict[str, str]
) -> None:
    child = create_branch(client, clock, setup["pid"], branch={"name": "child", "parent_id": setup["dev"]})
    url = _url(setup, "dev", "/restore")

    refused = client.post(url, json={"source_branch_id": setup["main"]})
    assert refused.status_code == 400
    assert "preserve_under_name" in refused.json()["message"]

    response = client.post(url, json={"source_branch_id": setup["main"], "preserve_under_name": "dev_before"})
    assert response.status_code == 200
    branches = {b["name"]: b for b in client.get(f"/projects/{setup['pid']}/branches").json()["branches"]}
    moved = client.get(f"/projects/{setup['pid']}/branches/{child['branch']['id']}").json()["branch"]
    assert moved["parent_id"] == branches["dev_before"]["id"]


def test_restore__preserve_name_taken_is_409(client: httpx.Client, setup: dict[str, str]) -> None:
    body = {"source_branch_id": setup["main"], "preserve_under_name": "main"}
    assert client.post(_url(setup, "dev", "/restore"), json=body).status_code == 409


def test_restore__source_timestamp_outside_window_is_400(client: httpx.Client, setup: dict[str, str]) -> None:
    body = {"source_branch_id": setup["main"], "source_timestamp": "2025-06-01T00:00:00Z"}
    status, _, message = error_of(client.post(_url(setup, "dev", "/restore"), json=body))
    assert status == 400
    assert "source_timestamp" in message
    assert "history window" in message


def test_restore__unknown_source_is_404(client: httpx.Client, setup: dict[str, str]) -> None:
    body = {"source_branch_id": "br-unknown-branch-00000000"}
    assert client.post(_url(setup, "dev", "/restore"), json=body).status_code == 404


def test_restore__missing_source_is_400(client: httpx.Client, setup: dict[str, str]) -> None:
    status, _, message = error_of(client.post(_url(setup, "dev", "/restore"), json={}))
    assert status == 400
    assert "source_branch_id" in message


def test_restore__restarts_expiry_countdown(client: httpx.Client, clock: FakeClock, setup: dict[str, str]) -> None:
    client.patch(_url(setup, "dev"), json={"branch": {"expires_at": "2026-01-01T03:00:00Z"}})
    clock.advance(3600)
    branch = client.post(_url(setup, "dev", "/restore"), json={"source_branch_id": setup["main"]}).json()["branch"]
    ttl = branch["ttl_interval_seconds"]
    assert branch["expires_at"] == "2026-01-01T04:00:00Z"
    assert ttl == 10_680
