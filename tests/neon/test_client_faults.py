"""Every injected fault against the in-process emulator, with no real sleeping."""

from __future__ import annotations

import httpx
import pytest

from infra.neon import NeonClient, RetryPolicy, errors, models
from neon_emulator import EmulatorTransport, NeonBackend
from tests.neon.conftest import add_fault, post_count
from tests.support.clock import FakeClock

BRANCHES = "/projects/{project_id}/branches"


def test_423__create_branch_is_resent_until_unlocked(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject, clock: FakeClock
) -> None:
    add_fault(backend, "status", status=423, count=2, method="POST", path="/projects/*/branches")
    clock.sleeps.clear()
    created = neon.create_branch(project.project.id, models.BranchCreate(name="dev"))
    assert created.branch.name == "dev"
    assert post_count(backend, BRANCHES) == 3
    assert len([b for b in neon.list_branches(project.project.id) if b.name == "dev"]) == 1
    assert len(clock.sleeps) >= 2  # two backoffs (then the operation polls), all virtual


def test_423__from_a_real_running_operation(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject
) -> None:
    pid = project.project.id
    neon.update_project(pid, models.ProjectUpdate(history_retention_seconds=7200), wait=False)
    created = neon.create_branch(pid, models.BranchCreate(name="after-lock"))  # 423 until apply finishes
    assert created.branch.name == "after-lock"
    assert any(e.status == 423 for e in backend.request_log)


def test_429__retry_after_is_honoured(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject, clock: FakeClock
) -> None:
    add_fault(backend, "status", status=429, retry_after=7, method="GET", path="/projects/*")
    clock.sleeps.clear()
    assert neon.get_project(project.project.id).id == project.project.id
    assert clock.sleeps == [7.0]


def test_429__on_a_create_is_resent(neon: NeonClient, backend: NeonBackend, clock: FakeClock) -> None:
    add_fault(backend, "status", status=429, retry_after=3, method="POST", path="/projects")
    created = neon.create_project(models.ProjectCreate(name="rate-limited"))
    assert post_count(backend, "/projects") == 2
    assert clock.sleeps[0] == 3.0
    assert [p.id for p in neon.list_projects()] == [created.project.id]


def test_500__on_get_is_retried(neon: NeonClient, backend: NeonBackend, project: models.CreatedProject) -> None:
    add_fault(backend, "status", status=500, count=2, method="GET", path="/projects/*/branches")
    assert [b.name for b in neon.list_branches(project.project.id)] == ["main"]


def test_500__on_create_is_checked_then_resent_once(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject
) -> None:
    add_fault(backend, "status", status=500, method="POST", path="/projects/*/branches")
    neon.create_branch(project.project.id, models.BranchCreate(name="after-500"))
    assert post_count(backend, BRANCHES) == 2
    assert backend.request_counts()["GET /projects/{project_id}/branches"] == 1  # the look-up
    assert [b.name for b in neon.list_branches(project.project.id)].count("after-500") == 1


def test_502_html__retried_and_never_quoted(
    neon: NeonClient,
    backend: NeonBackend,
    make_client,  # type: ignore[no-untyped-def]
    project: models.CreatedProject,
    clock: FakeClock,
) -> None:
    add_fault(backend, "status", status=502, count=1, method="GET", path="/projects/*")
    assert neon.get_project(project.project.id).name == "shelf"
    impatient = make_client(EmulatorTransport(backend, sleep=clock.sleep), retry=RetryPolicy(max_attempts=2))
    add_fault(backend, "status", status=502, count=None, method="GET", path="/projects/*")
    with pytest.raises(errors.ServerError) as exc:
        impatient.get_project(project.project.id)
    assert exc.value.status_code == 502
    assert "<html>" not in str(exc.value)
    assert "gave up after 2 attempt(s)" in str(exc.value)


def test_503__on_create_is_resent(neon: NeonClient, backend: NeonBackend, project: models.CreatedProject) -> None:
    add_fault(backend, "status", status=503, count=3, method="POST", path="/projects/*/branches")
    neon.create_branch(project.project.id, models.BranchCreate(name="after-503"))
    assert post_count(backend, BRANCHES) == 4
    assert "GET /projects/{project_id}/branches" not in backend.request_counts()  # no look-up needed


def test_latency__advances_virtual_time_only(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject, clock: FakeClock
) -> None:
    add_fault(backend, "latency", seconds=25, method="GET", path="/projects/*")
    before = clock.monotonic()
    assert neon.get_project(project.project.id).id == project.project.id
    assert clock.monotonic() - before == pytest.approx(25.0)


def test_drop_before__create_project_is_resent_once(neon: NeonClient, backend: NeonBackend) -> None:
    add_fault(backend, "drop_before", method="POST", path="/projects")
    created = neon.create_project(models.ProjectCreate(name="dropped-before"))
    assert post_count(backend, "/projects") == 2
    assert [p.id for p in neon.list_projects()] == [created.project.id]


def test_drop_after__create_project_is_never_duplicated(neon: NeonClient, backend: NeonBackend) -> None:
    add_fault(backend, "drop_after", method="POST", path="/projects")
    spec = models.ProjectCreate(
        name="dropped-after", branch=models.ProjectBranchSpec(database_name="shop", role_name="shop_owner")
    )
    created = neon.create_project(spec)
    assert post_count(backend, "/projects") == 1
    assert [p.name for p in neon.list_projects()] == ["dropped-after"]
    # Everything the lost response carried is rebuilt, the password included.
    (role,) = created.roles
    assert role.password is not None
    assert role.password == neon.reveal_role_password(created.project.id, created.branch.id, "shop_owner")
    (uri,) = created.connection_uris
    assert uri.connection_uri == neon.get_connection_uri(
        created.project.id, database_name="shop", role_name="shop_owner"
    )
    assert uri.connection_parameters.password == role.password
    assert [e.type for e in created.endpoints] == ["read_write"]
    assert neon.get_branch(created.project.id, created.branch.id).current_state == "ready"


def test_drop_after__create_project_without_stored_passwords_resets(neon: NeonClient, backend: NeonBackend) -> None:
    add_fault(backend, "drop_after", method="POST", path="/projects")
    created = neon.create_project(models.ProjectCreate(name="no-store", store_passwords=False))
    (role,) = created.roles
    assert role.password is not None
    stored = backend.projects[created.project.id].branches[created.branch.id].roles[role.name].password
    assert role.password.get_secret_value() == stored
    (uri,) = created.connection_uris
    assert role.password.get_secret_value() in uri.connection_uri.get_secret_value()
    assert post_count(backend, "/projects/{project_id}/branches/{branch_id}/roles/{role_name}/reset_password") == 1


def test_drop_after__create_branch_is_adopted(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject
) -> None:
    add_fault(backend, "drop_after", method="POST", path="/projects/*/branches")
    created = neon.create_branch(
        project.project.id,
        models.BranchCreate(name="lost"),
        endpoints=[models.BranchEndpointOptions(type="read_write")],
    )
    assert post_count(backend, BRANCHES) == 1
    assert created.branch.name == "lost"
    assert [e.type for e in created.endpoints] == ["read_write"]
    (uri,) = created.connection_uris
    assert uri.connection_parameters.host == created.endpoints[0].host
    assert neon.get_endpoint(project.project.id, created.endpoints[0].id).current_state == "active"


def test_drop_after__create_role_recovers_the_password(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject
) -> None:
    pid, bid = project.project.id, project.branch.id
    add_fault(backend, "drop_after", method="POST", path="/projects/*/branches/*/roles")
    role = neon.create_role(pid, bid, name="lost_role")
    assert role.password == neon.reveal_role_password(pid, bid, "lost_role")
    assert post_count(backend, "/projects/{project_id}/branches/{branch_id}/roles") == 1


def test_drop_after__create_database_and_endpoint_are_adopted(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject
) -> None:
    pid, bid = project.project.id, project.branch.id
    add_fault(backend, "drop_after", method="POST", path="/projects/*/branches/*/databases")
    assert neon.create_database(pid, bid, name="lostdb", owner_name="app").name == "lostdb"
    branch = neon.create_branch(pid, models.BranchCreate(name="bare")).branch
    add_fault(backend, "drop_after", method="POST", path="/projects/*/endpoints")
    endpoint = neon.create_endpoint(pid, models.EndpointCreate(branch_id=branch.id, type="read_write"))
    assert [e.id for e in neon.list_endpoints(pid, branch_id=branch.id)] == [endpoint.id]
    assert post_count(backend, "/projects/{project_id}/endpoints") == 1


def test_drop_after__delete_is_retried_and_reports_deleted(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject
) -> None:
    pid = project.project.id
    branch = neon.create_branch(pid, models.BranchCreate(name="doomed")).branch
    add_fault(backend, "drop_after", method="DELETE", path="/projects/*/branches/*")
    assert neon.delete_branch(pid, branch.id) is True
    assert backend.request_counts()["DELETE /projects/{project_id}/branches/{branch_id}"] == 2


def test_drop_after__patch_is_resent(neon: NeonClient, backend: NeonBackend, project: models.CreatedProject) -> None:
    add_fault(backend, "drop_after", method="PATCH", path="/projects/*")
    updated = neon.update_project(project.project.id, models.ProjectUpdate(name="renamed-once"))
    assert updated.name == "renamed-once"


def test_drop_after__database_rename_is_found_under_the_new_name(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject
) -> None:
    pid, bid = project.project.id, project.branch.id
    add_fault(backend, "drop_after", method="PATCH", path="/projects/*/branches/*/databases/*")
    renamed = neon.update_database(pid, bid, "appdb", models.DatabaseUpdate(name="appdb2"))
    assert renamed.name == "appdb2"


def test_drop__connection_refused_is_resent(backend: NeonBackend, make_client, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    inner = EmulatorTransport(backend, sleep=clock.sleep)
    refusals = iter([True])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and next(refusals, False):
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return inner.handle_request(request)

    client = make_client(httpx.MockTransport(handler))
    client.create_project(models.ProjectCreate(name="refused-once"))
    assert post_count(backend, "/projects") == 1  # the refused attempt never reached the emulator
    assert "GET /projects" not in backend.request_counts()


@pytest.mark.parametrize("path", ["/projects", "/projects/*/branches"])
def test_operation_failed__raises_action_id_and_error(
    neon: NeonClient, backend: NeonBackend, project: models.CreatedProject, path: str
) -> None:
    add_fault(backend, "operation_failed", method="POST", path=path)

    def mutate() -> object:
        if path == "/projects":
            return neon.create_project(models.ProjectCreate(name="doomed"))
        return neon.create_branch(project.project.id, models.BranchCreate(name="doomed"))

    with pytest.raises(errors.OperationFailedError) as exc:
        mutate()
    err = exc.value
    assert err.status == "failed"
    assert err.action in ("create_timeline", "create_branch")
    assert err.error == "emulator: injected operation failure"
    assert err.operation_id in str(err)
    assert str(err).startswith(f"{err.operation}: Neon operation {err.action} ({err.operation_id}) ended failed")


def test_retry_budget__exhausted_by_a_permanent_lock(
    neon: NeonClient,
    backend: NeonBackend,
    make_client,  # type: ignore[no-untyped-def]
    project: models.CreatedProject,
    clock: FakeClock,
) -> None:
    client = make_client(
        EmulatorTransport(backend, sleep=clock.sleep), retry=RetryPolicy(total_budget=30.0, max_attempts=50)
    )
    add_fault(backend, "status", status=423, count=None, method="POST", path="/projects/*/branches")
    started = clock.monotonic()
    with pytest.raises(errors.LockedError, match=r"^create_branch failed: HTTP 423 \[LOCKED\]") as exc:
        client.create_branch(project.project.id, models.BranchCreate(name="never"))
    assert clock.monotonic() - started <= 30.0
    assert exc.value.request_id
    assert not exc.value.maybe_applied
