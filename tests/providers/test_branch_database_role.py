"""NeonBranch, NeonDatabase and NeonRole lifecycles against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from infra.neon import errors
from infra.providers.branch import NeonBranchProvider
from infra.providers.database import NeonDatabaseProvider
from infra.providers.project import NeonProjectProvider
from infra.providers.role import NeonRoleProvider
from neon_emulator import FaultRule
from tests.providers.conftest import Neon, project_props

branches, databases, roles = NeonBranchProvider(), NeonDatabaseProvider(), NeonRoleProvider()


@pytest.fixture
def project(neon: Neon) -> dict[str, Any]:
    result = NeonProjectProvider().create(project_props(protect_default_branch=False))
    neon.transport.sent.clear()
    return {"project_id": result.id, **result.outs}


def branch_props(project: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": project["project_id"],
        "name": "qa",
        "protected": False,
        "with_endpoint": True,
        **overrides,
    }


# -- branches -------------------------------------------------------------------------------------
def test_branch_create_update_read_delete(neon: Neon, project: dict[str, Any]) -> None:
    created = branches.create(branch_props(project))
    assert created.outs["endpoint_id"]
    assert created.outs["host"]
    assert branches.diff(created.id, created.outs, branch_props(project)).changes is False
    expires = (datetime.fromtimestamp(neon.clock.time(), UTC) + timedelta(days=3)).replace(microsecond=0)
    news = branch_props(project, name="qa-2", expires_at=expires.isoformat().replace("+00:00", "Z"))
    neon.transport.sent.clear()
    updated = branches.update(created.id, created.outs, news)
    assert [s.body for s in neon.transport.mutations()] == [
        {"branch": {"name": "qa-2", "expires_at": expires.isoformat().replace("+00:00", "Z")}}
    ]
    assert updated.outs["name"] == "qa-2"
    assert branches.read(created.id, updated.outs).outs["name"] == "qa-2"
    branches.delete(created.id, updated.outs)
    assert branches.read(created.id, updated.outs).id is None
    branches.delete(created.id, updated.outs)  # 404: success


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("parent_id", "br-other-1"),
        ("parent_timestamp", "2026-01-01T00:00:00Z"),
        ("init_source", "schema-only"),
        ("project_id", "other-project-1"),
    ],
)
def test_branch_replacements_delete_first_when_the_name_stays(project: dict[str, Any], field: str, value: Any) -> None:
    olds = branch_props(project)
    diff = branches.diff("br-x", olds, branch_props(project, **{field: value}))
    assert diff.replaces == [field]
    assert diff.delete_before_replace is True
    renamed = branches.diff("br-x", olds, branch_props(project, name="other", **{field: value}))
    assert renamed.delete_before_replace is False


def test_adopting_the_default_branch_protects_it_and_delete_leaves_it(neon: Neon, project: dict[str, Any]) -> None:
    props = branch_props(
        project,
        name="main",
        protected=True,
        with_endpoint=False,
        adopt_branch_id=project["default_branch_id"],
    )
    adopted = branches.create(props)
    assert adopted.id == project["default_branch_id"]
    assert [(s.method, s.body) for s in neon.transport.mutations()] == [("PATCH", {"branch": {"protected": True}})]
    neon.transport.sent.clear()
    unprotect = branches.update(adopted.id, adopted.outs, {**props, "protected": False})
    assert unprotect.outs["protected"] is False
    branches.delete(adopted.id, adopted.outs)  # the default branch goes with its project
    assert neon.transport.mutations() == [s for s in neon.transport.mutations() if s.method == "PATCH"]
    # Which branch to adopt only matters at creation (it is unknown while the project previews).
    assert branches.diff(adopted.id, adopted.outs, {**props, "adopt_branch_id": "br-later-1"}).changes is False


def test_branch_failure_after_create_keeps_the_id(neon: Neon, project: dict[str, Any]) -> None:
    neon.backend.faults.add(FaultRule(kind="operation_failed", count=1, error="disk full"))
    created = branches.create(branch_props(project))
    assert created.id.startswith("br-")
    assert branches.read(created.id, created.outs).id == created.id


def test_branch_check_accepts_unknown_inputs_during_preview(project: dict[str, Any]) -> None:
    from pulumi.output import Unknown

    result = branches.check({}, {"project_id": Unknown(), "name": "main", "adopt_branch_id": Unknown()})
    assert result.failures == []


# -- databases ------------------------------------------------------------------------------------
def db_props(project: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": project["project_id"],
        "branch_id": project["default_branch_id"],
        "name": "reports",
        "owner_name": "workshelf_owner",
        **overrides,
    }


def test_database_create_rename_read_delete(neon: Neon, project: dict[str, Any]) -> None:
    created = databases.create(db_props(project))
    neon.transport.sent.clear()
    updated = databases.update(created.id, created.outs, db_props(project, name="reporting"))
    assert [(s.method, s.body) for s in neon.transport.mutations()] == [("PATCH", {"database": {"name": "reporting"}})]
    assert databases.read(created.id, updated.outs).outs["name"] == "reporting"
    databases.delete(created.id, updated.outs)
    assert databases.read(created.id, updated.outs).id is None
    databases.delete(created.id, updated.outs)


def test_database_that_exists_is_adopted_only_when_asked(project: dict[str, Any]) -> None:
    with pytest.raises(errors.ConflictError):
        databases.create(db_props(project, name="workshelf"))
    adopted = databases.create(db_props(project, name="workshelf", adopt_existing=True))
    assert adopted.outs["name"] == "workshelf"


def test_a_database_taken_over_is_released_on_delete_and_one_created_is_dropped(
    neon: Neon, project: dict[str, Any]
) -> None:
    adopted = databases.create(db_props(project, name="workshelf", adopt_existing=True))
    created = databases.create(db_props(project, adopt_existing=True))  # "reports" did not exist
    assert adopted.outs["adopted"] is True
    assert created.outs["adopted"] is False
    neon.transport.sent.clear()
    databases.delete(adopted.id, adopted.outs)
    assert neon.transport.sent == []  # it goes with its project
    databases.delete(created.id, created.outs)
    assert [s.method for s in neon.transport.mutations()] == ["DELETE"]
    assert databases.read(adopted.id, adopted.outs).id == adopted.id
    assert databases.read(created.id, created.outs).id is None


def test_database_replacements(project: dict[str, Any]) -> None:
    assert databases.diff("1", db_props(project), db_props(project, branch_id="br-x-1")).replaces == ["branch_id"]
    assert databases.diff("1", db_props(project), db_props(project, owner_name="app")).replaces == []


# -- roles ----------------------------------------------------------------------------------------
def role_props(project: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": project["project_id"],
        "branch_id": project["default_branch_id"],
        "name": "app",
        "database_name": "workshelf",
        **overrides,
    }


def test_role_create_gives_secret_password_and_uri(neon: Neon, project: dict[str, Any]) -> None:
    created = roles.create(role_props(project))
    password = created.outs["password"]
    assert len(password) >= 12
    assert password in created.outs["connection_uri"]
    assert created.outs["connection_uri"].startswith("postgresql://app:")
    neon.transport.sent.clear()
    assert roles.read(created.id, created.outs).outs["password"] == password  # kept, one GET
    assert [s.method for s in neon.transport.sent] == ["GET"]
    roles.delete(created.id, created.outs)
    assert roles.read(created.id, created.outs).id is None
    roles.delete(created.id, created.outs)


def test_role_adopts_the_project_owner_and_recovers_its_password(project: dict[str, Any]) -> None:
    with pytest.raises(errors.ConflictError):
        roles.create(role_props(project, name="workshelf_owner"))
    adopted = roles.create(role_props(project, name="workshelf_owner", adopt_existing=True))
    assert adopted.outs["password"]


def test_a_role_taken_over_is_released_on_delete(neon: Neon, project: dict[str, Any]) -> None:
    adopted = roles.create(role_props(project, name="workshelf_owner", adopt_existing=True))
    assert adopted.outs["adopted"] is True
    neon.transport.sent.clear()
    roles.delete(adopted.id, adopted.outs)
    assert neon.transport.sent == []
    assert roles.read(adopted.id, adopted.outs).id == adopted.id


def test_role_changes(project: dict[str, Any]) -> None:
    olds = role_props(project)
    assert roles.diff("r", olds, role_props(project, name="app2")).replaces == ["name"]
    same_name = roles.diff("r", olds, role_props(project, branch_id="br-x-1"))
    assert same_name.replaces == ["branch_id"]
    assert same_name.delete_before_replace is True
    assert roles.diff("r", olds, role_props(project, database_name="other")).replaces == []


def test_role_update_of_the_uri_database(neon: Neon, project: dict[str, Any]) -> None:
    databases.create(db_props(project, owner_name="workshelf_owner"))
    created = roles.create(role_props(project))
    updated = roles.update(created.id, created.outs, role_props(project, database_name="reports"))
    assert httpx.URL(updated.outs["connection_uri"]).path == "/reports"
    assert updated.outs["password"] == created.outs["password"]
