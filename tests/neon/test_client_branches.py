"""Branches against the in-process emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.neon import NeonClient, errors, models
from tests.support.clock import FakeClock


def test_create_branch__with_options_and_a_compute(
    neon: NeonClient, project: models.CreatedProject, clock: FakeClock
) -> None:
    pid = project.project.id
    expires = datetime.fromtimestamp(clock.time(), UTC) + timedelta(days=2)
    created = neon.create_branch(
        pid,
        models.BranchCreate(name="preview", parent_id=project.branch.id, expires_at=expires.replace(microsecond=0)),
        endpoints=[models.BranchEndpointOptions(type="read_write", autoscaling_limit_max_cu=1)],
    )
    branch = created.branch
    assert (branch.name, branch.parent_id, branch.protected) == ("preview", project.branch.id, False)
    assert branch.expires_at == expires.replace(microsecond=0)
    (endpoint,) = created.endpoints
    assert (endpoint.type, endpoint.branch_id, endpoint.autoscaling_limit_max_cu) == (
        "read_write",
        branch.id,
        1,
    )
    assert [(op.action, op.status) for op in created.operations] == [
        ("create_branch", "finished"),
        ("start_compute", "finished"),
    ]
    (uri,) = created.connection_uris
    assert uri.connection_parameters.host == endpoint.host
    assert neon.get_branch(pid, branch.id).current_state == "ready"
    assert neon.get_endpoint(pid, endpoint.id).current_state == "active"


def test_create_branch__protected_and_point_in_time(
    neon: NeonClient, project: models.CreatedProject, clock: FakeClock
) -> None:
    pid = project.project.id
    clock.advance(600)
    at = datetime.fromtimestamp(clock.time() - 300, UTC).replace(microsecond=0)
    by_time = neon.create_branch(pid, models.BranchCreate(name="at-time", parent_timestamp=at, protected=True))
    assert by_time.branch.parent_timestamp == at
    assert by_time.branch.protected
    assert by_time.branch.parent_lsn
    by_lsn = neon.create_branch(pid, models.BranchCreate(name="at-lsn", parent_lsn=by_time.branch.parent_lsn))
    assert by_lsn.branch.parent_lsn == by_time.branch.parent_lsn


def test_create_branch__schema_only(neon: NeonClient, project: models.CreatedProject) -> None:
    created = neon.create_branch(project.project.id, models.BranchCreate(name="schema", init_source="schema-only"))
    assert created.branch.init_source == "schema-only"


def test_create_branch__duplicate_name_is_a_conflict(neon: NeonClient, project: models.CreatedProject) -> None:
    with pytest.raises(errors.ConflictError, match=r"^create_branch failed: HTTP 409"):
        neon.create_branch(project.project.id, models.BranchCreate(name="main"))


def test_get_and_list_branches(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    for name in ("feature-a", "feature-b", "hotfix"):
        neon.create_branch(pid, models.BranchCreate(name=name))
    assert neon.get_branch(pid, project.branch.id).name == "main"
    assert sorted(b.name for b in neon.list_branches(pid)) == ["feature-a", "feature-b", "hotfix", "main"]
    assert sorted(b.name for b in neon.list_branches(pid, search="feature", page_size=1)) == [
        "feature-a",
        "feature-b",
    ]


def test_update_branch__rename_protect_and_clear_expiry(
    neon: NeonClient, project: models.CreatedProject, clock: FakeClock
) -> None:
    pid = project.project.id
    expires = datetime.fromtimestamp(clock.time() + 86400, UTC).replace(microsecond=0)
    branch = neon.create_branch(pid, models.BranchCreate(name="tmp", expires_at=expires)).branch
    cleared = neon.update_branch(pid, branch.id, models.BranchUpdate(name="kept", expires_at=None))
    assert (cleared.name, cleared.expires_at) == ("kept", None)
    protected = neon.update_branch(pid, branch.id, models.BranchUpdate(protected=True))
    assert protected.protected
    assert protected.name == "kept"


def test_delete_branch__true_then_false(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    branch = neon.create_branch(pid, models.BranchCreate(name="short-lived")).branch
    assert neon.delete_branch(pid, branch.id) is True
    assert neon.delete_branch(pid, branch.id) is False
    assert [b.name for b in neon.list_branches(pid)] == ["main"]


def test_delete_branch__refused_for_the_default(neon: NeonClient, project: models.CreatedProject) -> None:
    with pytest.raises(errors.UnprocessableEntityError, match="default branch"):
        neon.delete_branch(project.project.id, project.branch.id)


def test_restore_branch__reset_from_parent(neon: NeonClient, project: models.CreatedProject, clock: FakeClock) -> None:
    pid = project.project.id
    child = neon.create_branch(pid, models.BranchCreate(name="dev")).branch
    clock.advance(60)
    restored = neon.restore_branch(pid, child.id, models.BranchRestore(source_branch_id=project.branch.id))
    assert restored.id == child.id
    assert restored.last_reset_at is not None
    assert neon.get_branch(pid, child.id).current_state == "ready"


def test_restore_branch__own_history_preserving_the_old_state(
    neon: NeonClient, project: models.CreatedProject, clock: FakeClock
) -> None:
    pid = project.project.id
    clock.advance(600)
    at = datetime.fromtimestamp(clock.time() - 120, UTC).replace(microsecond=0)
    restore = models.BranchRestore(
        source_branch_id=project.branch.id, source_timestamp=at, preserve_under_name="main_old"
    )
    neon.restore_branch(pid, project.branch.id, restore)
    assert sorted(b.name for b in neon.list_branches(pid)) == ["main", "main_old"]


def test_set_default_branch(neon: NeonClient, project: models.CreatedProject) -> None:
    pid = project.project.id
    other = neon.create_branch(pid, models.BranchCreate(name="next")).branch
    assert neon.set_default_branch(pid, other.id).default
    assert not neon.get_branch(pid, project.branch.id).default
