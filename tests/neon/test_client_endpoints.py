"""Endpoints (computes) against the in-process emulator."""

from __future__ import annotations

import pytest

from infra.neon import NeonClient, errors, models


@pytest.fixture
def branch(neon: NeonClient, project: models.CreatedProject) -> models.Branch:
    return neon.create_branch(project.project.id, models.BranchCreate(name="compute-tests")).branch


def test_create_endpoint__read_write_starts(neon: NeonClient, branch: models.Branch) -> None:
    endpoint = neon.create_endpoint(
        branch.project_id,
        models.EndpointCreate(
            branch_id=branch.id,
            type="read_write",
            autoscaling_limit_min_cu=0.25,
            autoscaling_limit_max_cu=1,
            suspend_timeout_seconds=300,
            name="primary",
        ),
    )
    assert (endpoint.branch_id, endpoint.type, endpoint.name) == (branch.id, "read_write", "primary")
    assert neon.get_endpoint(branch.project_id, endpoint.id).current_state == "active"


def test_create_endpoint__second_read_write_conflicts(neon: NeonClient, project: models.CreatedProject) -> None:
    spec = models.EndpointCreate(branch_id=project.branch.id, type="read_write")
    with pytest.raises(errors.ConflictError, match=r"^create_endpoint failed: HTTP 409"):
        neon.create_endpoint(project.project.id, spec)


def test_list_endpoints__project_and_branch(
    neon: NeonClient, project: models.CreatedProject, branch: models.Branch
) -> None:
    pid = project.project.id
    replica = neon.create_endpoint(pid, models.EndpointCreate(branch_id=branch.id, type="read_only"))
    assert {e.id for e in neon.list_endpoints(pid)} == {project.endpoints[0].id, replica.id}
    assert [e.id for e in neon.list_endpoints(pid, branch_id=branch.id)] == [replica.id]


def test_update_endpoint__sends_only_the_fields_set(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, endpoint = project.project.id, project.endpoints[0]
    updated = neon.update_endpoint(pid, endpoint.id, models.EndpointUpdate(autoscaling_limit_max_cu=4))
    assert updated.autoscaling_limit_max_cu == 4
    assert updated.autoscaling_limit_min_cu == endpoint.autoscaling_limit_min_cu
    assert updated.suspend_timeout_seconds == endpoint.suspend_timeout_seconds


def test_suspend_then_start(neon: NeonClient, project: models.CreatedProject) -> None:
    pid, eid = project.project.id, project.endpoints[0].id
    assert neon.suspend_endpoint(pid, eid).current_state == "idle"
    assert neon.start_endpoint(pid, eid).current_state == "active"


def test_delete_endpoint__true_then_false(
    neon: NeonClient, project: models.CreatedProject, branch: models.Branch
) -> None:
    pid = project.project.id
    endpoint = neon.create_endpoint(pid, models.EndpointCreate(branch_id=branch.id, type="read_write"))
    assert neon.delete_endpoint(pid, endpoint.id) is True
    assert neon.delete_endpoint(pid, endpoint.id) is False
    with pytest.raises(errors.NotFoundError, match=r"^get_endpoint failed: HTTP 404"):
        neon.get_endpoint(pid, endpoint.id)
