"""Databases and roles on a branch: CRUD, duplicates, password visibility, apply_config operations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.neon_emulator.helpers import create_project, error_of, settle
from tests.support.clock import FakeClock


@pytest.fixture
def base(client: httpx.Client, clock: FakeClock) -> str:
    project = create_project(client, clock)
    return f"/projects/{project['project']['id']}/branches/{project['branch']['id']}"


def _create_role(client: httpx.Client, clock: FakeClock, base: str, name: str, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{base}/roles", json={"role": {"name": name, **extra}})
    assert response.status_code == 201, response.text
    settle(clock)
    body: dict[str, Any] = response.json()
    return body


def test_create_role__password_only_in_create_response(client: httpx.Client, clock: FakeClock, base: str) -> None:
    created = _create_role(client, clock, base, "app")

    assert created["role"]["password"].startswith("npg_")
    assert created["role"]["authentication_method"] == "password"
    assert [op["action"] for op in created["operations"]] == ["apply_config"]
    assert "password" not in client.get(f"{base}/roles/app").json()["role"]
    assert all("password" not in role for role in client.get(f"{base}/roles").json()["roles"])


def test_reveal_password__returns_current_password(client: httpx.Client, clock: FakeClock, base: str) -> None:
    created = _create_role(client, clock, base, "app")
    assert client.get(f"{base}/roles/app/reveal_password").json() == {"password": created["role"]["password"]}


def test_reset_password__new_password_revealed_afterwards(client: httpx.Client, clock: FakeClock, base: str) -> None:
    old = _create_role(client, clock, base, "app")["role"]["password"]

    response = client.post(f"{base}/roles/app/reset_password")

    new = response.json()["role"]["password"]
    assert response.status_code == 200
    assert new != old
    assert [op["action"] for op in response.json()["operations"]] == ["apply_config"]
    assert client.get(f"{base}/roles/app/reveal_password").json()["password"] == new


def test_reveal_password__412_when_passwords_not_stored(client: httpx.Client, clock: FakeClock) -> None:
    project = create_project(client, clock, store_passwords=False)
    base = f"/projects/{project['project']['id']}/branches/{project['branch']['id']}"
    status, code, message = error_of(client.get(f"{base}/roles/neondb_owner/reveal_password"))
    assert (status, code) == (412, "PRECONDITION_FAILED")
    assert "store_passwords" in message


def test_reveal_password__unknown_role_is_404(client: httpx.Client, base: str) -> None:
    assert client.get(f"{base}/roles/nobody/reveal_password").status_code == 404


def test_create_role__no_login_has_no_password(client: httpx.Client, clock: FakeClock, base: str) -> None:
    created = _create_role(client, clock, base, "readonly_group", no_login=True)
    assert "password" not in created["role"]
    assert created["role"]["authentication_method"] == "no_login"
    assert client.get(f"{base}/roles/readonly_group/reveal_password").status_code == 404
    assert client.post(f"{base}/roles/readonly_group/reset_password").status_code == 400


def test_create_role__duplicate_is_409(client: httpx.Client, base: str) -> None:
    status, _, message = error_of(client.post(f"{base}/roles", json={"role": {"name": "neondb_owner"}}))
    assert status == 409
    assert "neondb_owner" in message


def test_create_role__name_over_63_bytes_is_400(client: httpx.Client, base: str) -> None:
    assert client.post(f"{base}/roles", json={"role": {"name": "r" * 64}}).status_code == 400


def test_create_role__missing_name_is_400_naming_field(client: httpx.Client, base: str) -> None:
    status, _, message = error_of(client.post(f"{base}/roles", json={"role": {}}))
    assert status == 400
    assert "role.name" in message


def test_delete_role__then_204_and_404_for_unknown(client: httpx.Client, clock: FakeClock, base: str) -> None:
    _create_role(client, clock, base, "app")

    response = client.delete(f"{base}/roles/app")

    assert response.status_code == 200
    assert response.json()["role"]["name"] == "app"
    assert "password" not in response.json()["role"]
    settle(clock)
    assert client.delete(f"{base}/roles/app").status_code == 204
    assert client.delete(f"{base}/roles/never").status_code == 404


def test_delete_role__owning_a_database_is_refused(client: httpx.Client, base: str) -> None:
    status, _, message = error_of(client.delete(f"{base}/roles/neondb_owner"))
    assert status == 422
    assert "owns databases (neondb)" in message


def test_create_database__and_get_list(client: httpx.Client, clock: FakeClock, base: str) -> None:
    response = client.post(f"{base}/databases", json={"database": {"name": "orders", "owner_name": "neondb_owner"}})

    assert response.status_code == 201
    database = response.json()["database"]
    assert database["name"] == "orders"
    assert isinstance(database["id"], int)
    assert [op["action"] for op in response.json()["operations"]] == ["apply_config"]
    settle(clock)
    assert client.get(f"{base}/databases/orders").json()["database"] == database
    assert [d["name"] for d in client.get(f"{base}/databases").json()["databases"]] == ["neondb", "orders"]


def test_create_database__duplicate_is_409(client: httpx.Client, base: str) -> None:
    body = {"database": {"name": "neondb", "owner_name": "neondb_owner"}}
    assert client.post(f"{base}/databases", json=body).status_code == 409


def test_create_database__unknown_owner_is_400(client: httpx.Client, base: str) -> None:
    status, _, message = error_of(
        client.post(f"{base}/databases", json={"database": {"name": "x", "owner_name": "ghost"}})
    )
    assert status == 400
    assert "ghost" in message


def test_create_database__missing_owner_is_400_naming_field(client: httpx.Client, base: str) -> None:
    status, _, message = error_of(client.post(f"{base}/databases", json={"database": {"name": "x"}}))
    assert status == 400
    assert "database.owner_name" in message


def test_update_database__rename_and_change_owner(client: httpx.Client, clock: FakeClock, base: str) -> None:
    _create_role(client, clock, base, "app")

    body = {"database": {"name": "main_db", "owner_name": "app"}}
    response = client.patch(f"{base}/databases/neondb", json=body)

    assert response.status_code == 200
    assert response.json()["database"] | body["database"] == response.json()["database"]
    settle(clock)
    assert client.get(f"{base}/databases/neondb").status_code == 404
    assert client.get(f"{base}/databases/main_db").json()["database"]["owner_name"] == "app"


def test_update_database__rename_onto_existing_is_409(client: httpx.Client, clock: FakeClock, base: str) -> None:
    client.post(f"{base}/databases", json={"database": {"name": "other", "owner_name": "neondb_owner"}})
    settle(clock)
    assert client.patch(f"{base}/databases/neondb", json={"database": {"name": "other"}}).status_code == 409


def test_delete_database__then_204(client: httpx.Client, clock: FakeClock, base: str) -> None:
    response = client.delete(f"{base}/databases/neondb")
    assert response.status_code == 200
    assert response.json()["database"]["name"] == "neondb"
    settle(clock)
    assert client.delete(f"{base}/databases/neondb").status_code == 204
    assert client.delete(f"{base}/databases/never").status_code == 404
    assert client.delete("/projects/unknown-project-9/branches/br-a-b-00000000/databases/x").status_code == 404


def test_database_and_role__unknown_branch_is_404(client: httpx.Client, base: str) -> None:
    other = base.rsplit("/", 1)[0] + "/br-missing-branch-00000000"
    assert client.get(f"{other}/databases").status_code == 404
    assert client.get(f"{other}/roles").status_code == 404
