"""Creates whose response was lost (MockTransport): adopt, re-send, or refuse, but never duplicate."""

from __future__ import annotations

import httpx
import pytest

from infra.neon import NeonClient, errors, models
from tests.neon import payloads
from tests.neon.conftest import Script, error_response, json_response

DROP = httpx.RemoteProtocolError("Server disconnected without sending a response.")
NO_OPS = json_response(200, {"operations": [], "pagination": {"cursor": None}})
URI = "postgresql://app:s3cret-pw@ep-1.neon.test/appdb?sslmode=require"
POOLED = "postgresql://app:s3cret-pw@ep-1-pooler.neon.test/appdb?sslmode=require"


def created_project_body(pid: str = "proj-1", name: str = "shelf") -> dict[str, object]:
    return {
        "project": payloads.project(pid, name),
        "branch": payloads.branch(),
        "endpoints": [payloads.endpoint()],
        "databases": [payloads.database()],
        "roles": [payloads.role(password="pw-from-create")],
        "operations": [],
        "connection_uris": [],
    }


def describe_project_routes(script: Script, pid: str = "proj-1") -> None:
    """What the client reads to rebuild createProject's answer for an adopted project."""
    script.on("GET", f"/projects/{pid}/operations", NO_OPS)
    script.on("GET", f"/projects/{pid}", json_response(200, {"project": payloads.project(pid)}))
    script.on("GET", f"/projects/{pid}/branches", json_response(200, {"branches": [payloads.branch()]}))
    script.on(
        "GET",
        f"/projects/{pid}/branches/br-1/endpoints",
        json_response(200, {"endpoints": [payloads.endpoint()]}),
    )
    script.on(
        "GET",
        f"/projects/{pid}/branches/br-1/databases",
        json_response(200, {"databases": [payloads.database()]}),
    )
    script.on("GET", f"/projects/{pid}/branches/br-1/roles", json_response(200, {"roles": [payloads.role()]}))
    script.on(
        "GET",
        f"/projects/{pid}/branches/br-1/roles/app/reveal_password",
        json_response(200, {"password": "s3cret-pw"}),
    )
    script.on(
        "GET",
        f"/projects/{pid}/connection_uri",
        lambda r: json_response(200, {"uri": POOLED if r.url.params.get("pooled") else URI}),
    )


def projects_listing(*items: dict[str, object]) -> httpx.Response:
    return json_response(200, {"projects": list(items), "pagination": {"cursor": "c1"}})


def test_create_project__adopts_the_project_a_dropped_request_created(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects", DROP)
    script.on("GET", "/projects", projects_listing(payloads.project("proj-1", "shelf")))
    describe_project_routes(script)
    created = mock_client.create_project(models.ProjectCreate(name="shelf"))
    assert post.calls == 1
    assert created.project.id == "proj-1"
    assert created.branch.id == "br-1"
    assert created.roles[0].password is not None
    assert created.roles[0].password.get_secret_value() == "s3cret-pw"
    (uri,) = created.connection_uris
    assert uri.connection_uri.get_secret_value() == URI
    assert uri.connection_parameters.password.get_secret_value() == "s3cret-pw"
    assert (uri.connection_parameters.host, uri.connection_parameters.pooler_host) == (
        "ep-1.neon.test",
        "ep-1-pooler.neon.test",
    )
    search = next(r for r in script.requests if r.url.path.endswith("/projects") and r.method == "GET")
    assert search.url.params["search"] == "shelf"


def test_create_project__resends_when_nothing_was_created(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects", error_response(502), json_response(201, created_project_body()))
    script.on("GET", "/projects", projects_listing())
    created = mock_client.create_project(models.ProjectCreate(name="shelf"))
    assert post.calls == 2
    assert created.roles[0].password is not None


def test_create_project__ignores_an_older_project_with_the_same_name(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects", DROP, json_response(201, created_project_body("proj-2")))
    old = payloads.project("proj-old", "shelf", created_at="2025-06-01T00:00:00Z")
    script.on("GET", "/projects", projects_listing(old))
    assert mock_client.create_project(models.ProjectCreate(name="shelf")).project.id == "proj-2"
    assert post.calls == 2


def test_create_project__refuses_to_guess_between_two_candidates(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects", DROP)
    script.on(
        "GET",
        "/projects",
        projects_listing(payloads.project("proj-a", "shelf"), payloads.project("proj-b", "shelf")),
    )
    with pytest.raises(errors.AmbiguousResultError, match=r"2 projects named 'shelf'.*proj-a, proj-b") as exc:
        mock_client.create_project(models.ProjectCreate(name="shelf"))
    assert exc.value.maybe_applied
    assert post.calls == 1


def test_create_project__unnamed_cannot_be_recovered(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects", httpx.ReadTimeout("slow"))
    with pytest.raises(errors.AmbiguousResultError, match="unnamed project"):
        mock_client.create_project(models.ProjectCreate())
    assert post.calls == 1


def test_create_project__timeout_waits_to_settle_before_looking(script: Script, mock_client: NeonClient, clock) -> None:  # type: ignore[no-untyped-def]
    script.on("POST", "/projects", httpx.ReadTimeout("slow"), json_response(201, created_project_body()))
    script.on("GET", "/projects", projects_listing())
    mock_client.create_project(models.ProjectCreate(name="shelf"))
    assert clock.sleeps == [mock_client.retry.settle_delay]


def test_create_project__client_org_is_sent_and_searched(script: Script, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(httpx.MockTransport(script), org_id="org-7")
    post = script.on("POST", "/projects", DROP, json_response(201, created_project_body()))
    script.on("GET", "/projects", projects_listing())
    client.create_project(models.ProjectCreate(name="shelf"))
    assert post.calls == 2
    assert b'"org_id":"org-7"' in script.requests[0].content
    assert script.requests[1].url.params["org_id"] == "org-7"


def test_create_branch__409_after_an_ambiguous_attempt_is_adopted(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects/proj-1/branches", error_response(500), error_response(409, "exists"))
    listing = script.on(
        "GET",
        "/projects/proj-1/branches",
        json_response(200, {"branches": []}),
        json_response(200, {"branches": [payloads.branch("br-2", "dev", default=False)]}),
    )
    script.on("GET", "/projects/proj-1/branches/br-2/endpoints", json_response(200, {"endpoints": []}))
    script.on("GET", "/projects/proj-1/branches/br-2/roles", json_response(200, {"roles": []}))
    script.on("GET", "/projects/proj-1/branches/br-2/databases", json_response(200, {"databases": []}))
    script.on("GET", "/projects/proj-1/operations", NO_OPS)
    created = mock_client.create_branch("proj-1", models.BranchCreate(name="dev"))
    assert created.branch.id == "br-2"
    assert (post.calls, listing.calls) == (2, 2)


def test_create_branch__a_first_409_is_a_conflict(script: Script, mock_client: NeonClient) -> None:
    script.on("POST", "/projects/proj-1/branches", error_response(409, "branch already exists"))
    with pytest.raises(errors.ConflictError, match="create_branch failed: HTTP 409"):
        mock_client.create_branch("proj-1", models.BranchCreate(name="dev"))
    assert script.paths("GET") == []


def test_create_branch__same_name_other_parent_is_not_adopted(script: Script, mock_client: NeonClient) -> None:
    script.on("POST", "/projects/proj-1/branches", DROP)
    script.on(
        "GET",
        "/projects/proj-1/branches",
        json_response(200, {"branches": [payloads.branch("br-2", "dev", parent_id="br-9")]}),
    )
    with pytest.raises(errors.AmbiguousResultError, match="parent 'br-9', not 'br-1'"):
        mock_client.create_branch("proj-1", models.BranchCreate(name="dev", parent_id="br-1"))


def test_create_role__password_recovered_by_reset_when_not_stored(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects/proj-1/branches/br-1/roles", DROP)
    script.on("GET", "/projects/proj-1/branches/br-1/roles/app", json_response(200, {"role": payloads.role()}))
    script.on("GET", "/projects/proj-1/operations", NO_OPS)
    script.on(
        "GET",
        "/projects/proj-1/branches/br-1/roles/app/reveal_password",
        error_response(412, "passwords are not stored"),
    )
    reset = script.on(
        "POST",
        "/projects/proj-1/branches/br-1/roles/app/reset_password",
        json_response(200, {"role": payloads.role(password="fresh-pw"), "operations": []}),
    )
    role = mock_client.create_role("proj-1", "br-1", name="app")
    assert role.password.get_secret_value() == "fresh-pw"
    assert (post.calls, reset.calls) == (1, 1)


def test_create_database__other_owner_is_not_adopted(script: Script, mock_client: NeonClient) -> None:
    script.on("POST", "/projects/proj-1/branches/br-1/databases", DROP)
    script.on(
        "GET",
        "/projects/proj-1/branches/br-1/databases/appdb",
        json_response(200, {"database": payloads.database(owner="someone_else")}),
    )
    with pytest.raises(errors.AmbiguousResultError, match="owner 'someone_else', not 'app'"):
        mock_client.create_database("proj-1", "br-1", name="appdb", owner_name="app")


def test_create_endpoint__unnamed_read_only_cannot_be_recovered(script: Script, mock_client: NeonClient) -> None:
    script.on("POST", "/projects/proj-1/endpoints", DROP)
    script.on("GET", "/projects/proj-1/branches/br-1/endpoints", json_response(200, {"endpoints": []}))
    with pytest.raises(errors.AmbiguousResultError, match="unnamed read_only endpoint"):
        mock_client.create_endpoint("proj-1", models.EndpointCreate(branch_id="br-1", type="read_only"))


def test_reset_password__resent_after_a_lost_response(script: Script, mock_client: NeonClient) -> None:
    reset = script.on(
        "POST",
        "/projects/proj-1/branches/br-1/roles/app/reset_password",
        DROP,
        json_response(200, {"role": payloads.role(password="new-pw"), "operations": []}),
    )
    role = mock_client.reset_role_password("proj-1", "br-1", "app")
    assert role.password.get_secret_value() == "new-pw"
    assert reset.calls == 2


def test_restore__no_evidence_means_no_second_restore(script: Script, mock_client: NeonClient) -> None:
    post = script.on("POST", "/projects/proj-1/branches/br-2/restore", error_response(504))
    script.on("GET", "/projects/proj-1/branches/br-2", json_response(200, {"branch": payloads.branch("br-2")}))
    with pytest.raises(errors.AmbiguousResultError, match="shows no sign of the restore"):
        mock_client.restore_branch("proj-1", "br-2", models.BranchRestore(source_branch_id="br-1"))
    assert post.calls == 1


def test_update_database__lost_rename_is_found_under_the_new_name(script: Script, mock_client: NeonClient) -> None:
    script.on("PATCH", "/projects/proj-1/branches/br-1/databases/old", DROP, error_response(404))
    script.on(
        "GET",
        "/projects/proj-1/branches/br-1/databases/new",
        json_response(200, {"database": payloads.database(name="new")}),
    )
    db = mock_client.update_database("proj-1", "br-1", "old", models.DatabaseUpdate(name="new"))
    assert db.name == "new"


@pytest.mark.parametrize(
    ("replies", "deleted"),
    [
        ([json_response(200, {"branch": payloads.branch("br-2"), "operations": []})], True),
        ([error_response(404)], False),
        ([httpx.Response(204)], False),
        ([DROP, error_response(404)], True),
        ([error_response(500), httpx.Response(204)], True),
        ([error_response(423), error_response(404)], False),
    ],
    ids=["deleted", "404-already-gone", "204-already-gone", "drop-then-404", "500-then-204", "423-then-404"],
)
def test_delete_branch__reports_whether_this_call_deleted_it(
    script: Script, mock_client: NeonClient, replies: list[httpx.Response | Exception], deleted: bool
) -> None:
    script.on("DELETE", "/projects/proj-1/branches/br-2", *replies)
    assert mock_client.delete_branch("proj-1", "br-2") is deleted


def test_role_and_database_names_are_path_encoded(script: Script, mock_client: NeonClient) -> None:
    script.on("GET", "/projects/proj-1/branches/br-1/roles/.*", json_response(200, {"role": payloads.role("a b/c")}))
    mock_client.get_role("proj-1", "br-1", "a b/c")
    assert script.requests[0].url.raw_path == b"/api/v2/projects/proj-1/branches/br-1/roles/a%20b%2Fc"
    with pytest.raises(ValueError, match="role_name must not be empty"):
        mock_client.get_role("proj-1", "br-1", "")
