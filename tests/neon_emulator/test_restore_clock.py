"""A restore stamps everything it makes with one moment, however long its copies take (with real
PostgreSQL they take a while): a branch from the restored branch's earliest point has its databases."""

from __future__ import annotations

from datetime import UTC, datetime

from neon_emulator import NeonBackend
from neon_emulator.requests import BranchCreateRequest, BranchRestoreRequest, ProjectCreateRequest


class TickingClock:
    """Every reading is a quarter second later, as when each step of a restore does real work."""

    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


def test_restore__databases_and_preserved_branch_share_the_restore_moment() -> None:
    clock = TickingClock()
    backend = NeonBackend(plan="scale", operation_seconds=0, clock=clock, seed=0)
    project = backend.create_project(ProjectCreateRequest.model_validate({"project": {"name": "p"}})).project
    main = next(b for b in backend.snapshot()[0].branches.values() if b.default)
    backup = backend.create_project_branch(
        project.id, BranchCreateRequest.model_validate({"branch": {"name": "backup"}})
    ).branch
    clock.now += 10

    restored = backend.restore_project_branch(
        project.id, main.id, BranchRestoreRequest(source_branch_id=backup.id, preserve_under_name="old")
    ).branch

    after = next(b for b in backend.snapshot()[0].branches.values() if b.id == main.id)
    preserved = next(b for b in backend.snapshot()[0].branches.values() if b.name == "old")
    assert after.last_reset_at == restored.last_reset_at
    assert {d.created_at for d in after.databases.values()} == {after.last_reset_at}
    assert preserved.created_at == after.last_reset_at
    assert after.last_reset_at is not None
    point = datetime.fromtimestamp(after.last_reset_at, UTC)
    child = backend.create_project_branch(
        project.id, BranchCreateRequest.model_validate({"branch": {"name": "drill", "parent_timestamp": point}})
    )
    assert [d.name for d in child.databases] == [d.name for d in after.databases.values()]
