"""Roles (and their passwords) and databases against the in-process emulator."""

from __future__ import annotations

import pytest

from infra.neon import NeonClient, errors, models


def test_create_role__returns_a_password_that_reveal_confirms(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    role = neon.create_role(pid, bid, name="reporting")
    assert role.name == "reporting"
    assert role.branch_id == bid
    assert neon.reveal_role_password(pid, bid, "reporting") == role.password


def test_get_and_list_roles(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    neon.create_role(pid, bid, name="reader")
    fetched = neon.get_role(pid, bid, "reader")
    assert fetched.name == "reader"
    assert fetched.password is None
    assert sorted(r.name for r in neon.list_roles(pid, bid)) == ["app", "reader"]


def test_create_role__no_login(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    neon.create_role(pid, bid, name="nologin", no_login=True)
    assert neon.get_role(pid, bid, "nologin").authentication_method == "no_login"


def test_reset_role_password__rotates_it(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    before = neon.reveal_role_password(pid, bid, "app")
    after = neon.reset_role_password(pid, bid, "app")
    assert after.password != before
    assert neon.reveal_role_password(pid, bid, "app") == after.password


def test_reveal_role_password__412_without_stored_passwords(neon: NeonClient) -> None:
    created = neon.create_project(models.ProjectCreate(name="nostore", store_passwords=False))
    with pytest.raises(errors.PreconditionFailedError, match=r"^reveal_role_password failed: HTTP 412"):
        neon.reveal_role_password(created.project.id, created.branch.id, created.roles[0].name)


def test_delete_role__true_then_false(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    neon.create_role(pid, bid, name="temp")
    assert neon.delete_role(pid, bid, "temp") is True
    assert neon.delete_role(pid, bid, "temp") is False
    with pytest.raises(errors.NotFoundError):
        neon.get_role(pid, bid, "temp")


def test_create_get_list_databases(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    created = neon.create_database(pid, bid, name="analytics", owner_name="app")
    assert (created.name, created.owner_name, created.branch_id) == ("analytics", "app", bid)
    assert neon.get_database(pid, bid, "analytics") == created
    assert sorted(d.name for d in neon.list_databases(pid, bid)) == ["analytics", "appdb"]


def test_create_database__unknown_owner_is_rejected(neon: NeonClient, project: models.CreatedProject) -> None:
    with pytest.raises(errors.NeonAPIError, match=r"^create_database failed: HTTP 4\d\d"):
        neon.create_database(project.project.id, project.branch.id, name="x", owner_name="nobody")


def test_update_database__rename_and_new_owner(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    neon.create_role(pid, bid, name="owner2")
    neon.create_database(pid, bid, name="before", owner_name="app")
    updated = neon.update_database(pid, bid, "before", models.DatabaseUpdate(name="after", owner_name="owner2"))
    assert (updated.name, updated.owner_name) == ("after", "owner2")
    with pytest.raises(errors.NotFoundError):
        neon.get_database(pid, bid, "before")


def test_delete_database__true_then_false(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    neon.create_database(pid, bid, name="scratch", owner_name="app")
    assert neon.delete_database(pid, bid, "scratch") is True
    assert neon.delete_database(pid, bid, "scratch") is False


def test_names_with_special_characters(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, bid = project.project.id, project.branch.id
    neon.create_role(pid, bid, name="team lead")
    neon.create_database(pid, bid, name="my-db", owner_name="team lead")
    assert neon.get_role(pid, bid, "team lead").name == "team lead"
    assert neon.get_database(pid, bid, "my-db").owner_name == "team lead"
