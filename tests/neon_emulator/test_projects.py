"""Projects: create (with default branch, endpoint, database, role), list, get, update, delete,
connection URI, plan limits and validation."""

from __future__ import annotations

import httpx
import pytest

from neon_emulator import NeonBackend
from tests.neon_emulator.helpers import NEON_DEFAULT_SETTINGS, create_project, error_of, settle
from tests.support.clock import FakeClock


def test_create_project__returns_default_branch_endpoint_database_role_and_operations(
    client: httpx.Client, clock: FakeClock
) -> None:
    response = client.post("/projects", json={"project": {"name": "shop", "region_id": "aws-eu-central-1"}})

    assert response.status_code == 201
    body = response.json()
    project, branch = body["project"], body["branch"]
    assert project["name"] == "shop"
    assert project["region_id"] == "aws-eu-central-1"
    assert project["pg_version"] == 17
    assert project["history_retention_seconds"] == 86_400
    assert project["proxy_host"] == "eu-central-1.aws.neon.tech"
    assert branch["name"] == "main"
    assert branch["default"] is True
    assert branch["project_id"] == project["id"]
    assert [d["name"] for d in body["databases"]] == ["neondb"]
    assert body["databases"][0]["owner_name"] == "neondb_owner"
    assert [r["name"] for r in body["roles"]] == ["neondb_owner"]
    assert body["roles"][0]["password"].startswith("npg_")
    (endpoint,) = body["endpoints"]
    assert endpoint["type"] == "read_write"
    assert endpoint["branch_id"] == branch["id"]
    assert endpoint["host"] == f"{endpoint['id']}.eu-central-1.aws.neon.tech"
    assert [op["action"] for op in body["operations"]] == ["create_timeline", "start_compute"]
    assert [op["status"] for op in body["operations"]] == ["scheduling", "scheduling"]


def test_create_project__ids_follow_neon_formats(client: httpx.Client, clock: FakeClock) -> None:
    body = create_project(client, clock)

    assert body["project"]["id"].count("-") == 2
    assert body["project"]["id"].split("-")[-1].isdigit()
    assert len(body["project"]["id"].split("-")[-1]) == 8
    assert body["branch"]["id"].startswith("br-")
    assert len(body["branch"]["id"].split("-")[-1]) == 8
    assert body["endpoints"][0]["id"].startswith("ep-")
    assert isinstance(body["databases"][0]["id"], int)
    assert body["project"]["created_at"] == "2026-01-01T00:00:00Z"


def test_create_project__connection_uri_in_neon_format(client: httpx.Client, clock: FakeClock) -> None:
    body = create_project(client, clock)

    (details,) = body["connection_uris"]
    host = body["endpoints"][0]["host"]
    password = body["roles"][0]["password"]
    assert details["connection_uri"] == f"postgresql://neondb_owner:{password}@{host}/neondb?sslmode=require"
    label, _, rest = host.partition(".")
    assert details["connection_parameters"] == {
        "database": "neondb",
        "password": password,
        "role": "neondb_owner",
        "host": host,
        "pooler_host": f"{label}-pooler.{rest}",
    }


def test_create_project__custom_branch_database_and_role(client: httpx.Client, clock: FakeClock) -> None:
    branch = {"name": "production", "database_name": "shop", "role_name": "shop_admin"}

    body = create_project(client, clock, branch=branch, pg_version=16, history_retention_seconds=604_800)

    assert body["branch"]["name"] == "production"
    assert body["databases"][0] == {**body["databases"][0], "name": "shop", "owner_name": "shop_admin"}
    assert body["project"]["pg_version"] == 16
    assert body["project"]["history_retention_seconds"] == 604_800


def test_create_project__default_role_is_named_after_database(client: httpx.Client, clock: FakeClock) -> None:
    body = create_project(client, clock, branch={"database_name": "inventory"})
    assert body["roles"][0]["name"] == "inventory_owner"


@pytest.mark.parametrize("version", [13, 19])
def test_create_project__pg_version_outside_14_to_18_is_400(client: httpx.Client, version: int) -> None:
    status, code, message = error_of(client.post("/projects", json={"project": {"pg_version": version}}))
    assert (status, code) == (400, "BAD_REQUEST")
    assert "project.pg_version" in message


def test_create_project__unknown_region_is_400(client: httpx.Client) -> None:
    status, _, message = error_of(client.post("/projects", json={"project": {"region_id": "aws-mars-1"}}))
    assert status == 400
    assert "aws-mars-1" in message
    assert "aws-us-east-2" in message


@pytest.mark.parametrize(
    ("plan", "allowed", "refused"),
    [
        ("free", 21_600, 21_601),
        ("launch", 604_800, 604_801),
        ("scale", 2_592_000, None),
    ],
)
def test_create_project__history_retention_capped_by_plan(
    client: httpx.Client, backend: NeonBackend, *, plan: str, allowed: int, refused: int | None
) -> None:
    backend.configure(plan=plan)
    assert client.post("/projects", json={"project": {"history_retention_seconds": allowed}}).status_code == 201
    if refused is not None:
        response = client.post("/projects", json={"project": {"history_retention_seconds": refused}})
        status, code, message = error_of(response)
        assert (status, code) == (422, "LIMIT_EXCEEDED")
        assert f"{plan} plan's limit of {allowed} seconds" in message


def test_create_project__history_above_schema_maximum_is_400(client: httpx.Client) -> None:
    response = client.post("/projects", json={"project": {"history_retention_seconds": 2_592_001}})
    assert response.status_code == 400
    assert "history_retention_seconds" in response.json()["message"]


def test_create_project__free_plan_default_history_is_six_hours(client: httpx.Client, backend: NeonBackend) -> None:
    backend.configure(plan="free")
    assert client.post("/projects", json={}).json()["project"]["history_retention_seconds"] == 21_600


def test_create_project__ip_allow_only_on_scale(client: httpx.Client, backend: NeonBackend) -> None:
    settings = {"allowed_ips": {"ips": ["203.0.113.0/24"], "protected_branches_only": True}}
    backend.configure(plan="launch")
    status, _, message = error_of(client.post("/projects", json={"project": {"settings": settings}}))
    assert status == 422
    assert "allowed_ips" in message
    assert "launch" in message

    backend.configure(plan="scale")
    response = client.post("/projects", json={"project": {"settings": settings}})
    assert response.status_code == 201
    assert response.json()["project"]["settings"]["allowed_ips"] == settings["allowed_ips"]


def test_create_project__autoscaling_cap_on_free_plan(client: httpx.Client, backend: NeonBackend) -> None:
    backend.configure(plan="free")
    body = {"project": {"default_endpoint_settings": {"autoscaling_limit_max_cu": 4}}}
    status, _, message = error_of(client.post("/projects", json=body))
    assert status == 422
    assert "maximum of 2.0 CU" in message


def test_create_project__invalid_json_body_is_400(client: httpx.Client) -> None:
    response = client.post("/projects", content=b"{not json", headers={"Content-Type": "application/json"})
    assert error_of(response)[:2] == (400, "BAD_REQUEST")


def test_list_projects__paginates_with_cursor(client: httpx.Client, clock: FakeClock) -> None:
    ids = [create_project(client, clock, name=f"p{i}")["project"]["id"] for i in range(5)]

    first = client.get("/projects", params={"limit": 2}).json()
    second = client.get("/projects", params={"limit": 2, "cursor": first["pagination"]["cursor"]}).json()
    third = client.get("/projects", params={"limit": 2, "cursor": second["pagination"]["cursor"]}).json()
    fourth = client.get("/projects", params={"limit": 2, "cursor": third["pagination"]["cursor"]}).json()

    pages = [[p["id"] for p in page["projects"]] for page in (first, second, third)]
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert fourth["projects"] == []
    assert "pagination" not in fourth
    assert first["applications"] == {}
    assert first["integrations"] == {}


def test_list_projects__search_and_org_filter(client: httpx.Client, clock: FakeClock) -> None:
    create_project(client, clock, name="billing-staging", org_id="org-a")
    create_project(client, clock, name="billing-production", org_id="org-b")
    create_project(client, clock, name="catalog", org_id="org-a")

    def names(**params: str) -> list[str]:
        return [p["name"] for p in client.get("/projects", params=params).json()["projects"]]

    assert names(search="BILLING") == ["billing-staging", "billing-production"]
    assert names(org_id="org-a") == ["billing-staging", "catalog"]
    assert names(search="billing", org_id="org-b") == ["billing-production"]


@pytest.mark.parametrize("limit", [0, 401])
def test_list_projects__limit_out_of_range_is_400(client: httpx.Client, limit: int) -> None:
    assert client.get("/projects", params={"limit": limit}).status_code == 400


def test_list_projects__bad_cursor_is_400(client: httpx.Client) -> None:
    assert client.get("/projects", params={"cursor": "garbage!"}).status_code == 400


def test_get_project__unknown_id_is_404(client: httpx.Client) -> None:
    status, code, message = error_of(client.get("/projects/no-such-project-1"))
    assert (status, code) == (404, "NOT_FOUND")
    assert "no-such-project-1" in message


def test_update_project__retention_change_runs_apply_storage_config(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock)["project"]["id"]

    response = client.patch(f"/projects/{project}", json={"project": {"history_retention_seconds": 3600}})

    assert response.status_code == 200
    assert response.json()["project"]["history_retention_seconds"] == 3600
    assert [op["action"] for op in response.json()["operations"]] == ["apply_storage_config"]


def test_update_project__name_and_settings_merge_without_operations(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock, settings={"enable_logical_replication": True})["project"]["id"]
    body = {"project": {"name": "renamed", "settings": {"allowed_ips": {"ips": ["10.0.0.1"]}}}}

    response = client.patch(f"/projects/{project}", json=body)

    assert response.status_code == 200
    result = response.json()
    assert result["operations"] == []
    assert result["project"]["name"] == "renamed"
    assert result["project"]["settings"] == {
        **NEON_DEFAULT_SETTINGS,
        "allowed_ips": {"ips": ["10.0.0.1"], "protected_branches_only": False},
        "enable_logical_replication": True,
    }


def test_update_project__retention_over_plan_cap_is_refused(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend
) -> None:
    backend.configure(plan="launch")
    project = create_project(client, clock)["project"]["id"]
    response = client.patch(f"/projects/{project}", json={"project": {"history_retention_seconds": 2_592_000}})
    assert response.status_code == 422
    assert client.get(f"/projects/{project}").json()["project"]["history_retention_seconds"] == 86_400


def test_update_project__missing_project_object_is_400_naming_field(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock)["project"]["id"]
    status, _, message = error_of(client.patch(f"/projects/{project}", json={"name": "x"}))
    assert status == 400
    assert "project" in message


def test_delete_project__then_get_is_404_and_delete_again_is_404(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock)["project"]["id"]

    response = client.delete(f"/projects/{project}")

    assert response.status_code == 200
    assert response.json()["project"]["id"] == project
    assert client.get(f"/projects/{project}").status_code == 404
    assert client.delete(f"/projects/{project}").status_code == 404


def test_delete_project__blocked_by_protected_branch(client: httpx.Client, clock: FakeClock) -> None:
    created = create_project(client, clock)
    project, main = created["project"]["id"], created["branch"]["id"]
    client.patch(f"/projects/{project}/branches/{main}", json={"branch": {"protected": True}})
    settle(clock)

    status, _, message = error_of(client.delete(f"/projects/{project}"))

    assert status == 422
    assert "protected branches (main)" in message
    assert client.get(f"/projects/{project}").status_code == 200


def test_get_connection_uri__default_branch_and_pooled(client: httpx.Client, clock: FakeClock) -> None:
    created = create_project(client, clock)
    project = created["project"]["id"]
    params = {"database_name": "neondb", "role_name": "neondb_owner"}

    direct = client.get(f"/projects/{project}/connection_uri", params=params).json()["uri"]
    pooled = client.get(f"/projects/{project}/connection_uri", params={**params, "pooled": "true"}).json()["uri"]

    assert direct == created["connection_uris"][0]["connection_uri"]
    assert "-pooler." in pooled
    assert pooled.replace("-pooler", "") == direct


def test_get_connection_uri__requires_database_and_role(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock)["project"]["id"]
    status, _, message = error_of(client.get(f"/projects/{project}/connection_uri", params={"role_name": "x"}))
    assert status == 400
    assert "database_name" in message


def test_get_connection_uri__unknown_role_is_404(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock)["project"]["id"]
    params = {"database_name": "neondb", "role_name": "ghost"}
    assert client.get(f"/projects/{project}/connection_uri", params=params).status_code == 404


def test_get_connection_uri__412_without_stored_passwords(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock, store_passwords=False)["project"]["id"]
    params = {"database_name": "neondb", "role_name": "neondb_owner"}
    assert client.get(f"/projects/{project}/connection_uri", params=params).status_code == 412


def test_get_active_regions__lists_the_fixed_regions(client: httpx.Client) -> None:
    regions = client.get("/regions").json()["regions"]
    assert {r["region_id"] for r in regions} >= {"aws-us-east-2", "aws-eu-central-1", "azure-gwc"}
    assert [r["region_id"] for r in regions if r["default"]] == ["aws-us-east-2"]
