"""Projects, operations and connection URIs against the in-process emulator (2-second operations)."""

from __future__ import annotations

import pytest

from infra.neon import NeonClient, errors, models
from neon_emulator import NeonBackend
from tests.support.clock import FakeClock

POLL = "GET /projects/{project_id}/operations/{operation_id}"
LIST = "GET /projects/{project_id}/operations"  # one poll for a chain of several operations


def test_create_project__full_spec_waits_for_its_operations(neon: NeonClient, clock: FakeClock) -> None:
    spec = models.ProjectCreate(
        name="workshelf-staging",
        region_id="aws-eu-central-1",
        pg_version=16,
        history_retention_seconds=604800,
        branch=models.ProjectBranchSpec(name="main", database_name="workshelf", role_name="workshelf_owner"),
        default_endpoint_settings=models.DefaultEndpointSettings(
            autoscaling_limit_min_cu=0.25, autoscaling_limit_max_cu=2, suspend_timeout_seconds=300
        ),
        settings=models.ProjectSettings(
            allowed_ips=models.AllowedIps(ips=["203.0.113.0/24"], protected_branches_only=True)
        ),
    )
    created = neon.create_project(spec)
    project = created.project
    assert (project.name, project.region_id, project.pg_version) == (
        "workshelf-staging",
        "aws-eu-central-1",
        16,
    )
    assert project.history_retention_seconds == 604800
    assert project.settings is not None
    assert project.settings.allowed_ips == models.AllowedIps(ips=["203.0.113.0/24"], protected_branches_only=True)
    assert project.default_endpoint_settings is not None
    assert project.default_endpoint_settings.autoscaling_limit_max_cu == 2
    assert created.branch.name == "main"
    assert created.branch.default
    assert [d.name for d in created.databases] == ["workshelf"]
    (role,) = created.roles
    assert role.name == "workshelf_owner"
    assert role.password is not None
    (uri,) = created.connection_uris
    assert uri.connection_parameters.password.get_secret_value() == role.password.get_secret_value()
    assert [(op.action, op.status) for op in created.operations] == [
        ("create_timeline", "finished"),
        ("start_compute", "finished"),
    ]
    assert clock.monotonic() == pytest.approx(4.0, abs=0.1)  # two chained 2 s operations


def test_create_project__wait_false_returns_running_operations(neon: NeonClient, backend: NeonBackend) -> None:
    created = neon.create_project(models.ProjectCreate(name="nowait"), wait=False)
    assert [op.status for op in created.operations] == ["scheduling", "scheduling"]
    assert backend.request_counts() == {"POST /projects": 1}
    done = neon.wait_for_operations(created.project.id, created.operations)
    assert [op.status for op in done] == ["finished", "finished"]


def test_create_project__uses_the_client_org(backend: NeonBackend, make_client, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    from neon_emulator import EmulatorTransport

    client = make_client(EmulatorTransport(backend, sleep=clock.sleep), org_id="org-shelf-1")
    created = client.create_project(models.ProjectCreate(name="org-project"))
    assert created.project.org_id == "org-shelf-1"
    assert [p.id for p in client.list_projects()] == [created.project.id]


def test_get_project(neon: NeonClient, project: models.CreatedProject) -> None:
    fetched = neon.get_project(project.project.id)
    assert fetched.id == project.project.id
    assert fetched.name == "shelf"


def test_get_project__not_found_names_operation_status_and_request_id(neon: NeonClient) -> None:
    with pytest.raises(errors.NotFoundError) as exc:
        neon.get_project("no-such-project")
    message = str(exc.value)
    assert message.startswith("get_project failed: HTTP 404")
    assert exc.value.request_id
    assert f"request_id={exc.value.request_id}" in message


def test_list_projects__paginates_and_searches(neon: NeonClient, backend: NeonBackend) -> None:
    ids = [neon.create_project(models.ProjectCreate(name=f"team-{n}"), wait=False).project.id for n in range(5)]
    neon.create_project(models.ProjectCreate(name="other"), wait=False)
    listed = list(neon.list_projects(search="team", page_size=2))
    assert sorted(p.id for p in listed) == sorted(ids)
    assert backend.request_counts()["GET /projects"] == 3
    assert len(list(neon.list_projects())) == 6


def test_update_project__sends_only_the_fields_set(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    updated = neon.update_project(pid, models.ProjectUpdate(history_retention_seconds=172800))
    assert updated.history_retention_seconds == 172800
    assert updated.name == "shelf"
    renamed = neon.update_project(
        pid,
        models.ProjectUpdate(
            name="shelf-renamed",
            settings=models.ProjectSettings(allowed_ips=models.AllowedIps(ips=["10.1.0.0/16"])),
        ),
    )
    assert renamed.name == "shelf-renamed"
    assert renamed.history_retention_seconds == 172800
    assert renamed.settings is not None
    assert renamed.settings.allowed_ips is not None
    assert renamed.settings.allowed_ips.ips == ["10.1.0.0/16"]
    assert neon.list_operations(pid).__next__().status == "finished"


def test_delete_project__then_already_gone(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    assert neon.delete_project(pid) is True
    assert neon.delete_project(pid) is False
    with pytest.raises(errors.NotFoundError):
        neon.get_project(pid)


def test_get_and_list_operations(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    first = project.operations[0]
    assert neon.get_operation(pid, first.id) == first
    listed = list(neon.list_operations(pid, page_size=1))
    assert sorted(op.id for op in listed) == sorted(op.id for op in project.operations)


def test_wait_for_operations__everything_in_flight(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    neon.update_project(pid, models.ProjectUpdate(history_retention_seconds=3600), wait=False)
    (done,) = neon.wait_for_operations(pid)
    assert (done.action, done.status) == ("apply_storage_config", "finished")
    assert neon.wait_for_operations(pid) == []


def test_get_connection_uri__direct_and_pooled(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    direct = neon.get_connection_uri(pid, database_name="appdb", role_name="app")
    pooled = neon.get_connection_uri(pid, database_name="appdb", role_name="app", pooled=True)
    expected = project.connection_uris[0].connection_uri.get_secret_value()
    assert direct.get_secret_value() == expected
    assert "-pooler." in pooled.get_secret_value()
    branch_uri = neon.get_connection_uri(
        pid,
        database_name="appdb",
        role_name="app",
        branch_id=project.branch.id,
        endpoint_id=project.endpoints[0].id,
    )
    assert branch_uri == direct


def test_polls__a_2s_operation_needs_at_most_6_polls(neon: NeonClient, backend: NeonBackend) -> None:
    created = neon.create_project(models.ProjectCreate(name="polls"))
    assert len(created.operations) == 2
    # A cold client's chain of two 2 s operations: one list after the prior (1 s; the first runs), one
    # at the guessed end (4.05 s); no single-operation poll.
    assert backend.request_counts() == {"POST /projects": 1, LIST: 2}
    branch = neon.create_branch(created.project.id, models.BranchCreate(name="dev"))
    assert backend.request_counts()[POLL] == len(branch.operations) == 1  # learned: one aimed poll
