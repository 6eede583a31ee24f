"""Branches: create (head, point in time, schema-only, protected, expiring), list, count, get, update,
delete rules, set as default, lazy expiry, and plan limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from neon_emulator import NeonBackend
from tests.neon_emulator.helpers import create_branch, create_project, error_of, settle
from tests.support.clock import FakeClock

START = "2026-01-01T00:00:00Z"


@pytest.fixture
def project(client: httpx.Client, clock: FakeClock) -> dict[str, Any]:
    return create_project(client, clock, history_retention_seconds=3600)


def _pid(project: dict[str, Any]) -> str:
    return str(project["project"]["id"])


def test_create_branch__without_body_branches_default_branch_without_compute(
    client: httpx.Client, project: dict[str, Any]
) -> None:
    response = client.post(f"/projects/{_pid(project)}/branches")

    assert response.status_code == 201
    body = response.json()
    branch = body["branch"]
    assert branch["parent_id"] == project["branch"]["id"]
    assert branch["name"] == branch["id"]  # unnamed branches are named after their id
    assert branch["current_state"] == "init"
    assert branch["pending_state"] == "ready"
    assert body["endpoints"] == []
    assert "connection_uris" not in body
    assert [op["action"] for op in body["operations"]] == ["create_branch"]
    assert [r["name"] for r in body["roles"]] == ["neondb_owner"]
    assert "password" not in body["roles"][0]
    assert [d["name"] for d in body["databases"]] == ["neondb"]


def test_create_branch__with_endpoint_returns_compute_and_connection_uri(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    body = {"branch": {"name": "dev"}, "endpoints": [{"type": "read_write", "autoscaling_limit_max_cu": 4}]}

    created = client.post(f"/projects/{_pid(project)}/branches", json=body).json()

    assert [op["action"] for op in created["operations"]] == ["create_branch", "start_compute"]
    (endpoint,) = created["endpoints"]
    assert endpoint["autoscaling_limit_max_cu"] == 4
    assert endpoint["current_state"] == "init"
    (uri,) = created["connection_uris"]
    assert uri["connection_parameters"]["host"] == endpoint["host"]
    settle(clock)
    branch = client.get(f"/projects/{_pid(project)}/branches/{created['branch']['id']}").json()["branch"]
    assert branch["current_state"] == "ready"
    assert "pending_state" not in branch
    fetched = client.get(f"/projects/{_pid(project)}/endpoints/{endpoint['id']}").json()["endpoint"]
    assert fetched["current_state"] == "active"


def test_create_branch__keeps_parent_passwords_for_unprotected_parent(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    created = create_branch(client, clock, _pid(project), endpoints=[{"type": "read_write"}])
    child_password = created["connection_uris"][0]["connection_parameters"]["password"]
    assert child_password == project["roles"][0]["password"]


def test_create_branch__child_of_protected_branch_gets_new_passwords(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    pid, main = _pid(project), project["branch"]["id"]
    client.patch(f"/projects/{pid}/branches/{main}", json={"branch": {"protected": True}})
    settle(clock)

    child = create_branch(client, clock, pid, endpoints=[{"type": "read_write"}])["branch"]["id"]

    revealed = client.get(f"/projects/{pid}/branches/{child}/roles/neondb_owner/reveal_password").json()
    assert revealed["password"].startswith("npg_")
    assert revealed["password"] != project["roles"][0]["password"]


def test_create_branch__duplicate_name_is_409(client: httpx.Client, project: dict[str, Any]) -> None:
    status, code, message = error_of(
        client.post(f"/projects/{_pid(project)}/branches", json={"branch": {"name": "main"}})
    )
    assert (status, code) == (409, "CONFLICT")
    assert "'main' already exists" in message


def test_create_branch__unknown_parent_is_404(client: httpx.Client, project: dict[str, Any]) -> None:
    body = {"branch": {"parent_id": "br-missing-branch-00000000"}}
    assert client.post(f"/projects/{_pid(project)}/branches", json=body).status_code == 404


def test_create_branch__two_read_write_endpoints_is_400(client: httpx.Client, project: dict[str, Any]) -> None:
    body = {"endpoints": [{"type": "read_write"}, {"type": "read_write"}]}
    assert client.post(f"/projects/{_pid(project)}/branches", json=body).status_code == 400


def test_create_branch__unknown_project_is_404(client: httpx.Client) -> None:
    assert client.post("/projects/unknown-project-1/branches").status_code == 404


def test_create_branch__point_in_time_inside_window_is_stored(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    clock.advance(1800)  # now = START + 1860 s; the window is [START (main was created), now]
    body = {"branch": {"name": "pitr", "parent_timestamp": "2026-01-01T00:10:00Z"}}

    created = create_branch(client, clock, _pid(project), **body)

    assert created["branch"]["parent_timestamp"] == "2026-01-01T00:10:00Z"
    assert created["branch"]["parent_lsn"] == "0/24C34600"  # 0x1000000 + 600 s of WAL at 1 MB/s


def test_create_branch__point_in_time_before_window_states_the_window(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    clock.advance(7200)  # retention is 3600 s, so the window starts one hour ago
    body = {"branch": {"parent_timestamp": "2026-01-01T00:30:00Z"}}

    status, _, message = error_of(client.post(f"/projects/{_pid(project)}/branches", json=body))

    assert status == 400
    assert "outside the history window" in message
    assert "between 2026-01-01T01:01:00Z and 2026-01-01T02:01:00Z" in message
    assert "history_retention_seconds=3600" in message


def test_create_branch__point_in_time_in_the_future_is_400(client: httpx.Client, project: dict[str, Any]) -> None:
    body = {"branch": {"parent_timestamp": "2030-01-01T00:00:00Z"}}
    assert client.post(f"/projects/{_pid(project)}/branches", json=body).status_code == 400


def test_create_branch__point_in_time_before_parent_creation_is_400(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    parent = create_branch(client, clock, _pid(project), branch={"name": "parent"})["branch"]
    body = {"branch": {"parent_id": parent["id"], "parent_timestamp": START}}
    status, _, message = error_of(client.post(f"/projects/{_pid(project)}/branches", json=body))
    assert status == 400
    assert f"between {parent['created_at']}" in message


def test_create_branch__parent_lsn_round_trips(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    first = create_branch(client, clock, _pid(project), branch={"name": "a"})["branch"]
    second = create_branch(client, clock, _pid(project), branch={"name": "b", "parent_lsn": first["parent_lsn"]})
    assert second["branch"]["parent_timestamp"] == first["parent_timestamp"]


@pytest.mark.parametrize("lsn", ["nonsense", "0/FFFFFFFF"])
def test_create_branch__bad_or_future_lsn_is_400(client: httpx.Client, project: dict[str, Any], lsn: str) -> None:
    body = {"branch": {"parent_lsn": lsn}}
    assert client.post(f"/projects/{_pid(project)}/branches", json=body).status_code == 400


def test_create_branch__both_lsn_and_timestamp_is_400(client: httpx.Client, project: dict[str, Any]) -> None:
    body = {"branch": {"parent_lsn": "0/1000000", "parent_timestamp": START}}
    assert client.post(f"/projects/{_pid(project)}/branches", json=body).status_code == 400


def test_create_branch__point_in_time_skips_roles_created_later(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    pid, main = _pid(project), project["branch"]["id"]
    clock.advance(600)
    client.post(f"/projects/{pid}/branches/{main}/roles", json={"role": {"name": "late"}})
    settle(clock)

    body = {"branch": {"parent_timestamp": "2026-01-01T00:05:00Z"}}
    created = create_branch(client, clock, pid, **body)

    assert [r["name"] for r in created["roles"]] == ["neondb_owner"]


def test_create_branch__schema_only_is_a_new_root(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    created = create_branch(client, clock, _pid(project), branch={"name": "schema", "init_source": "schema-only"})
    assert created["branch"]["init_source"] == "schema-only"
    assert "parent_id" not in created["branch"]
    assert [d["name"] for d in created["databases"]] == ["neondb"]


def test_create_branch__limit_per_plan(client: httpx.Client, clock: FakeClock, backend: NeonBackend) -> None:
    backend.configure(plan="free")
    pid = create_project(client, clock)["project"]["id"]
    for index in range(9):
        create_branch(client, clock, pid, branch={"name": f"b{index}"})

    status, code, message = error_of(client.post(f"/projects/{pid}/branches", json={"branch": {"name": "b9"}}))

    assert (status, code) == (422, "LIMIT_EXCEEDED")
    assert "free plan allows at most 10 branches" in message


@pytest.mark.parametrize(("plan", "limit"), [("launch", 2), ("scale", 5)])
def test_create_branch__protected_branches_limited_by_plan(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend, plan: str, limit: int
) -> None:
    backend.configure(plan=plan)
    pid = create_project(client, clock)["project"]["id"]
    for index in range(limit):
        create_branch(client, clock, pid, branch={"name": f"p{index}", "protected": True})

    response = client.post(f"/projects/{pid}/branches", json={"branch": {"name": "extra", "protected": True}})

    status, _, message = error_of(response)
    assert status == 422
    assert f"at most {limit} protected branches" in message


def test_create_branch__no_protected_branches_on_free(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend
) -> None:
    backend.configure(plan="free")
    pid = create_project(client, clock)["project"]["id"]
    status, _, message = error_of(client.post(f"/projects/{pid}/branches", json={"branch": {"protected": True}}))
    assert status == 422
    assert "not available on the free plan" in message


def test_list_branches__search_sort_and_cursor(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    pid = _pid(project)
    for name in ("feature-b", "feature-a", "hotfix"):
        create_branch(client, clock, pid, branch={"name": name})

    searched = client.get(f"/projects/{pid}/branches", params={"search": "feature"}).json()["branches"]
    assert {b["name"] for b in searched} == {"feature-a", "feature-b"}

    params: dict[str, Any] = {"sort_by": "name", "sort_order": "asc", "limit": 2}
    first = client.get(f"/projects/{pid}/branches", params=params).json()
    second = client.get(f"/projects/{pid}/branches", params={**params, "cursor": first["pagination"]["next"]}).json()
    assert [b["name"] for b in first["branches"]] == ["feature-a", "feature-b"]
    assert [b["name"] for b in second["branches"]] == ["hotfix", "main"]
    assert second["pagination"] == {"sort_by": "name", "sort_order": "asc"}


def test_list_branches__default_order_is_updated_at_desc(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    create_branch(client, clock, _pid(project), branch={"name": "newer"})
    names = [b["name"] for b in client.get(f"/projects/{_pid(project)}/branches").json()["branches"]]
    assert names == ["newer", "main"]


def test_list_branches__annotations_map(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    created = create_branch(client, clock, _pid(project), branch={"name": "x"}, annotation_value={"owner": "ci"})
    listing = client.get(f"/projects/{_pid(project)}/branches").json()
    assert listing["annotations"][created["branch"]["id"]]["value"] == {"owner": "ci"}


def test_list_branches__invalid_sort_is_400(client: httpx.Client, project: dict[str, Any]) -> None:
    assert client.get(f"/projects/{_pid(project)}/branches", params={"sort_by": "size"}).status_code == 400


def test_count_branches(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    create_branch(client, clock, _pid(project), branch={"name": "dev"})
    assert client.get(f"/projects/{_pid(project)}/branches/count").json() == {"count": 2}
    assert client.get(f"/projects/{_pid(project)}/branches/count", params={"search": "dev"}).json() == {"count": 1}


def test_get_branch__includes_annotation(client: httpx.Client, project: dict[str, Any]) -> None:
    body = client.get(f"/projects/{_pid(project)}/branches/{project['branch']['id']}").json()
    assert body["annotation"]["object"] == {"type": "console/branch", "id": project["branch"]["id"]}


def test_get_branch__unknown_is_404(client: httpx.Client, project: dict[str, Any]) -> None:
    assert client.get(f"/projects/{_pid(project)}/branches/br-nope-nope-00000000").status_code == 404


def test_update_branch__rename_without_operations(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    branch = create_branch(client, clock, _pid(project), branch={"name": "old"})["branch"]["id"]
    response = client.patch(f"/projects/{_pid(project)}/branches/{branch}", json={"branch": {"name": "new"}})
    assert response.json()["branch"]["name"] == "new"
    assert response.json()["operations"] == []


def test_update_branch__rename_to_existing_is_409(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    branch = create_branch(client, clock, _pid(project), branch={"name": "old"})["branch"]["id"]
    response = client.patch(f"/projects/{_pid(project)}/branches/{branch}", json={"branch": {"name": "main"}})
    assert response.status_code == 409


def test_update_branch__protection_runs_protected_config_operation(
    client: httpx.Client, project: dict[str, Any]
) -> None:
    url = f"/projects/{_pid(project)}/branches/{project['branch']['id']}"
    response = client.patch(url, json={"branch": {"protected": True}})
    assert response.json()["branch"]["protected"] is True
    assert [op["action"] for op in response.json()["operations"]] == ["timeline_update_protected_config"]


def test_update_branch__set_and_clear_expiry(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    branch = create_branch(client, clock, _pid(project), branch={"name": "tmp"})["branch"]["id"]
    url = f"/projects/{_pid(project)}/branches/{branch}"

    set_body = client.patch(url, json={"branch": {"expires_at": "2026-01-02T00:02:00Z"}}).json()["branch"]
    assert set_body["expires_at"] == "2026-01-02T00:02:00Z"
    assert set_body["ttl_interval_seconds"] == 86_400
    cleared = client.patch(url, json={"branch": {"expires_at": None}}).json()["branch"]
    assert "expires_at" not in cleared
    assert "ttl_interval_seconds" not in cleared


@pytest.mark.parametrize(
    ("expires_at", "fragment"),
    [
        ("2025-12-31T00:00:00Z", "must be in the future"),
        ("2026-03-01T00:00:00Z", "at most 30 days ahead"),
    ],
)
def test_create_branch__invalid_expiry_is_400(
    client: httpx.Client, project: dict[str, Any], expires_at: str, fragment: str
) -> None:
    response = client.post(f"/projects/{_pid(project)}/branches", json={"branch": {"expires_at": expires_at}})
    status, _, message = error_of(response)
    assert status == 400
    assert fragment in message


def test_create_branch__protected_branch_cannot_expire(client: httpx.Client, project: dict[str, Any]) -> None:
    body = {"branch": {"protected": True, "expires_at": "2026-01-01T12:00:00Z"}}
    assert client.post(f"/projects/{_pid(project)}/branches", json=body).status_code == 400


def test_expires_at__branch_deleted_lazily_when_clock_passes(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    pid = _pid(project)
    created = create_branch(
        client,
        clock,
        pid,
        branch={"name": "ci", "expires_at": "2026-01-01T02:00:00Z"},
        endpoints=[{"type": "read_write"}],
    )
    url = f"/projects/{pid}/branches/{created['branch']['id']}"
    assert client.get(url).status_code == 200

    clock.advance(7200)

    assert client.get(url).status_code == 404
    assert client.get(f"/projects/{pid}/endpoints/{created['endpoints'][0]['id']}").status_code == 404
    assert client.delete(url).status_code == 204


def test_delete_branch__returns_operations_then_204(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    created = create_branch(client, clock, _pid(project), branch={"name": "tmp"}, endpoints=[{"type": "read_write"}])
    url = f"/projects/{_pid(project)}/branches/{created['branch']['id']}"

    response = client.delete(url)

    assert response.status_code == 200
    assert [op["action"] for op in response.json()["operations"]] == ["suspend_compute", "delete_timeline"]
    settle(clock)
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 204
    assert client.delete(f"/projects/{_pid(project)}/branches/br-never-existed-00000000").status_code == 404


def test_delete_branch__protected_is_refused(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    branch = create_branch(client, clock, _pid(project), branch={"name": "prod", "protected": True})["branch"]["id"]
    status, _, message = error_of(client.delete(f"/projects/{_pid(project)}/branches/{branch}"))
    assert status == 422
    assert "protected" in message


def test_delete_branch__default_is_refused(client: httpx.Client, project: dict[str, Any]) -> None:
    status, _, message = error_of(client.delete(f"/projects/{_pid(project)}/branches/{project['branch']['id']}"))
    assert status == 422
    assert "default branch" in message


def test_delete_branch__with_children_is_refused(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    parent = create_branch(client, clock, _pid(project), branch={"name": "parent"})["branch"]["id"]
    child = create_branch(client, clock, _pid(project), branch={"name": "child", "parent_id": parent})["branch"]["id"]
    status, _, message = error_of(client.delete(f"/projects/{_pid(project)}/branches/{parent}"))
    assert status == 422
    assert child in message


def test_set_as_default__moves_the_default_flag(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    pid, main = _pid(project), project["branch"]["id"]
    dev = create_branch(client, clock, pid, branch={"name": "dev"})["branch"]["id"]

    response = client.post(f"/projects/{pid}/branches/{dev}/set_as_default")

    assert response.status_code == 200
    assert response.json()["branch"]["default"] is True
    assert client.get(f"/projects/{pid}/branches/{main}").json()["branch"]["default"] is False
    status, _, message = error_of(client.delete(f"/projects/{pid}/branches/{dev}"))
    assert status == 422
    assert "default branch" in message


def test_list_branch_endpoints(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    endpoints = client.get(f"/projects/{_pid(project)}/branches/{project['branch']['id']}/endpoints").json()
    assert [e["id"] for e in endpoints["endpoints"]] == [project["endpoints"][0]["id"]]
