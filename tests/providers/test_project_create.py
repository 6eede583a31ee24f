"""NeonProject's create: never a duplicate, never a half-made project left behind, nothing adopted twice.

The component hands on what the project's create returned, so the default branch, database and role
are adopted without a call; these tests call the providers the way the component wires them.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from infra.providers.branch import NeonBranchProvider
from infra.providers.database import NeonDatabaseProvider
from infra.providers.errors import ProviderError
from infra.providers.project import SECRET_OUTPUTS, NeonProjectProvider
from infra.providers.role import NeonRoleProvider
from neon_emulator import FaultRule
from tests.providers.conftest import Neon, project_props

provider = NeonProjectProvider()
POLL = "GET /projects/{project_id}/operations/{operation_id}"


def projects_named(neon: Neon, name: str) -> list[str]:
    with neon.client() as client:
        return [p.id for p in client.projects_named(name)]


def iso(neon: Neon, project_id: str) -> str:
    with neon.client() as client:
        return client.get_project(project_id).created_at.isoformat().replace("+00:00", "Z")


def test_create_from_empty_looks_up_the_name_then_posts_once(neon: Neon) -> None:
    result = provider.create(project_props())
    counts = neon.backend.request_counts()
    # Nothing learned yet: the project's two 1 s operations are polled as a chain, by listing the
    # project's operations after the prior (1 s: the first is over), then at the second's end; the
    # protection's operation is aimed at its end with what they took (tests/neon: the learned case).
    assert counts.pop(POLL) == 1
    assert counts == {
        "GET /projects": 1,
        "POST /projects": 1,
        "GET /projects/{project_id}/operations": 2,
        "PATCH /projects/{project_id}/branches/{branch_id}": 1,
    }
    lookup = neon.transport.sent[0]
    assert (lookup.method, lookup.path) == ("GET", "/projects")
    outs = result.outs
    assert outs["default_branch_protected"] is True
    assert outs["default_branch_current_name"] == "main"
    assert isinstance(outs["default_database_id"], int)
    assert httpx.URL(outs["connection_uri"]).username == "workshelf_owner"
    assert httpx.URL(outs["connection_uri"]).password == outs["owner_password"]
    assert SECRET_OUTPUTS == ["owner_password", "connection_uri"]


def test_a_project_with_the_name_that_the_state_does_not_know_is_never_duplicated(neon: Neon) -> None:
    first = provider.create(project_props())
    neon.transport.sent.clear()
    with pytest.raises(ProviderError) as refused:
        provider.create(project_props())
    assert [(s.method, s.path) for s in neon.transport.sent] == [("GET", "/projects")]
    assert refused.value.message == (
        "a Neon project named 'workshelf-test' already exists in the API key's account and this stack's state "
        f"does not know it: {first.id} (created {iso(neon, first.id)}); nothing was created"
    )
    assert refused.value.hint == (
        f"adopt it (set workshelf-infra:neon.adoptProjectId: {first.id} in this stack's file) or delete it in "
        "the Neon console, then run `pulumi up` again"
    )
    assert projects_named(neon, "workshelf-test") == [first.id]
    # The first way out: adopting it converges without a second project.
    adopted = provider.create(project_props(adopt_project_id=first.id))
    assert adopted.id == first.id
    assert projects_named(neon, "workshelf-test") == [first.id]


def test_the_lookup_is_made_in_the_target_organization(neon: Neon) -> None:
    elsewhere = provider.create(project_props(org_id="org-other"))
    mine = provider.create(project_props(org_id="org-mine"))
    assert elsewhere.id != mine.id
    with pytest.raises(ProviderError, match=f"already exists in organization org-mine .*: {mine.id} "):
        provider.create(project_props(org_id="org-mine"))


def test_a_create_whose_operations_fail_deletes_what_it_made_and_the_next_one_converges(neon: Neon) -> None:
    neon.backend.faults.add(FaultRule(kind="operation_failed", count=1, method="POST", path="/projects"))
    with pytest.raises(ProviderError) as failed:
        provider.create(project_props())
    (post,) = [e for e in neon.backend.request_log if (e.method, e.path) == ("POST", "/projects")]
    made = [e.path.split("/")[2] for e in neon.backend.request_log if e.method == "DELETE"]
    assert len(made) == 1
    assert failed.value.message.startswith(f"created Neon project {made[0]} ('workshelf-test', ")
    assert "Neon operation create_timeline" in failed.value.message
    assert failed.value.message.endswith("; the half-made project was deleted again, nothing is left behind")
    assert failed.value.hint == "run `pulumi up` again"
    assert projects_named(neon, "workshelf-test") == []
    again = provider.create(project_props())
    assert projects_named(neon, "workshelf-test") == [again.id]
    assert post.status == 201


def test_when_deleting_the_half_made_project_fails_too_the_next_create_refuses_instead_of_duplicating(
    neon: Neon,
) -> None:
    neon.backend.faults.add(FaultRule(kind="operation_failed", count=1, method="POST", path="/projects"))
    neon.backend.faults.add(FaultRule(kind="status", status=500, count=None, method="DELETE", path="/projects/*"))
    with pytest.raises(ProviderError) as failed:
        provider.create(project_props())
    (left,) = projects_named(neon, "workshelf-test")
    assert f"created Neon project {left} " in failed.value.message
    assert "; deleting the half-made project failed too: delete_project failed: HTTP 500" in failed.value.message
    assert failed.value.hint == (
        f"delete project {left} in the Neon console (or adopt it: workshelf-infra:neon.adoptProjectId: {left}), "
        "then run `pulumi up` again"
    )
    neon.backend.faults.clear()
    with pytest.raises(ProviderError, match=f"already exists .*: {left} "):
        provider.create(project_props())
    assert projects_named(neon, "workshelf-test") == [left]


def test_an_unset_org_id_never_plans_a_replacement_because_neon_reports_the_organization(neon: Neon) -> None:
    created = provider.create(project_props(org_id="org-team"))
    outs = {**created.outs, "org_id": "org-team"}
    assert provider.diff(created.id, outs, project_props(org_id=None)).changes is False
    assert provider.diff(created.id, outs, project_props(org_id="org-team")).changes is False
    assert provider.diff(created.id, outs, project_props(org_id="org-other")).replaces == ["org_id"]


# -- what came with the project, adopted without a call ------------------------------------------------
def wired(neon: Neon) -> dict[str, Any]:
    """The project created as the component creates it, and the inputs it hands its children."""
    result = provider.create(project_props())
    neon.transport.sent.clear()
    return {"project_id": result.id, **result.outs}


def default_branch(project: dict[str, Any], protected_now: bool) -> dict[str, Any]:
    """The default branch's inputs as the component wires them (to be protected; protected now or not)."""
    return {
        "project_id": project["project_id"],
        "name": "main",
        "protected": True,
        "adopt_branch_id": project["default_branch_id"],
        "adopt_branch_name": project["default_branch_current_name"],
        "adopt_branch_protected": protected_now,
    }


def owner_role(project: dict[str, Any], branch_id: str) -> dict[str, Any]:
    """The owner role's inputs as the component wires them: what the project's create handed on."""
    return {
        "project_id": project["project_id"],
        "branch_id": branch_id,
        "name": "workshelf_owner",
        "database_name": "workshelf",
        "adopt_existing": True,
        "adopt_password": project["owner_password"],
        "adopt_connection_uri": project["connection_uri"],
    }


def test_the_default_branch_database_and_role_are_adopted_without_a_call(neon: Neon) -> None:
    project = wired(neon)
    branch = NeonBranchProvider().create(default_branch(project, project["default_branch_protected"]))
    database = NeonDatabaseProvider().create(
        {
            "project_id": project["project_id"],
            "branch_id": branch.id,
            "name": "workshelf",
            "owner_name": "workshelf_owner",
            "adopt_existing": True,
            "adopt_database_id": project["default_database_id"],
        }
    )
    role = NeonRoleProvider().create(owner_role(project, branch.id))
    assert neon.transport.sent == []
    assert (branch.id, branch.outs["protected"], branch.outs["default"]) == (project["default_branch_id"], True, True)
    assert (database.id, database.outs["adopted"]) == (str(project["default_database_id"]), True)
    assert role.outs["password"] == project["owner_password"]
    assert role.outs["connection_uri"] == project["connection_uri"]
    assert "adopt_password" not in role.outs
    assert "adopt_connection_uri" not in role.outs
    # What Neon serves for that role is the URI the project handed on.
    with neon.client() as client:
        uri = client.get_connection_uri(
            project["project_id"], branch_id=branch.id, database_name="workshelf", role_name="workshelf_owner"
        )
    assert uri.get_secret_value() == project["connection_uri"]


def test_an_unprotected_default_branch_is_protected_with_one_patch(neon: Neon) -> None:
    project = wired(neon)
    branch = NeonBranchProvider().create(default_branch(project, protected_now=False))
    assert [(s.method, s.body) for s in neon.transport.sent if s.method != "GET"] == [
        ("PATCH", {"branch": {"protected": True}})
    ]
    assert branch.outs["protected"] is True


def test_the_handed_on_inputs_never_make_a_diff(neon: Neon) -> None:
    project = wired(neon)
    props = owner_role(project, project["default_branch_id"])
    role = NeonRoleProvider().create(props)
    later = {**props, "adopt_password": None, "adopt_connection_uri": None}
    assert NeonRoleProvider().diff(role.id, role.outs, later).changes is False
