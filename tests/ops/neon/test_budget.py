"""The branch budget: every branch-making command counts first and, when the plan's limit is reached,
refuses before any branch exists, naming the oldest prunable branches and the prune commands."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.neon import models
from infra.ops.migrations.migrate import dry_run_on_branch, migrate
from infra.ops.migrations.migration_test import migration_test
from infra.ops.neon.backups import BackupRequest
from infra.ops.neon.budget import is_prunable, prunable
from infra.ops.neon.errors import NeonStackError
from infra.ops.safety.backup import backup_branch
from infra.ops.safety.drill import restore_drill
from infra.ops.safety.restore import plan_restore
from infra.ops.times import at, rfc3339
from neon_emulator import NeonBackend
from tests.support.clock import FakeClock
from tests.support.followup import WORKSHELF
from tests.support.migrations import migrations_of
from tests.support.safety import Harness

CREATE = "POST /projects/{project_id}/branches"


def fill(harness: Harness, clock: FakeClock, names: list[str], *, protect: tuple[str, ...] = ()) -> dict[str, str]:
    """Create branches one minute apart (oldest first); returns name -> `name (id, created …)`."""
    shown = {}
    with harness.neon() as neon:
        for name in names:
            clock.advance(60)
            spec = models.BranchCreate(name=name, protected=True if name in protect else None)
            branch = neon.create_branch(harness.staging.project_id, spec).branch
            assert branch.created_at is not None
            shown[name] = f"{name} ({branch.id}, created {rfc3339(branch.created_at)})"
    return shown


def test_budget__a_full_project_names_the_oldest_prunable_and_the_commands(
    harness: Harness, clock: FakeClock, backend: NeonBackend
) -> None:
    names = ["feature-a", "backup/keep", "backup/old-1", "preview/pr-7", "backup/old-2", "backup/old-3"]
    names += ["feature-b", "preview/pr-9", "backup/old-4"]  # main + 9 = the launch plan's 10
    shown = fill(harness, clock, names, protect=("backup/keep",))
    backend.log.clear()
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest(name="backup/new"))
    assert caught.value.message == (
        "staging has 10 of the 10 branches the launch plan allows (the default branch included), so branch "
        f"backup/new cannot be made; oldest prunable: {shown['backup/old-1']}, {shown['preview/pr-7']}, "
        f"{shown['backup/old-2']} (+3 more); prune with `{WORKSHELF} backups prune --stack staging` or "
        f"`{WORKSHELF} preview prune --stack staging --open <open PR numbers>`"
    )
    assert "\n" not in caught.value.message
    assert caught.value.hint == (
        "protected and default branches are never pruned; "
        f"`{WORKSHELF} backups prune --stack staging --dry-run` lists what would go"
    )
    assert CREATE not in backend.request_counts()
    assert "backup/new" not in harness.branch_names()


def test_budget__nothing_prunable_says_so(harness: Harness, clock: FakeClock) -> None:
    fill(harness, clock, [f"feature-{n}" for n in range(9)])
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest(name="backup/new"))
    assert caught.value.message.endswith(
        "so branch backup/new cannot be made; none of them is an unprotected backup/ or preview/pr- branch "
        "these tools prune"
    )
    assert caught.value.hint.startswith(f"delete branches you no longer need in project {harness.staging.project_id}")


def test_budget__one_branch_below_the_limit_is_allowed(harness: Harness, clock: FakeClock) -> None:
    fill(harness, clock, [f"feature-{n}" for n in range(8)])
    backup_branch(harness.ctx, "staging", BackupRequest(name="backup/last"))
    assert len(harness.branches()) == 10


def _backup(h: Harness) -> object:
    return backup_branch(h.ctx, "staging", BackupRequest())


def _migrate(h: Harness) -> object:
    m = migrations_of(h)
    return migrate(m.ctx, "staging", m.command())


def _dry_run(h: Harness) -> object:
    m = migrations_of(h)
    return dry_run_on_branch(m.ctx, "staging", m.command())


def _migration_test(h: Harness) -> object:
    m = migrations_of(h)
    return migration_test(m.ctx, "staging", m.command())


def _drill(h: Harness) -> object:
    return restore_drill(h.ctx, "staging")


def _restore(h: Harness) -> object:
    return plan_restore(h.ctx, "staging", from_branch=None, at_point=at(h.ctx.now() - 600))


@pytest.mark.parametrize(
    ("command", "making"),
    [
        (_backup, "branch backup/pre-migrate-"),
        (_migrate, "branch backup/pre-migrate-"),
        (_dry_run, "branch migrate-dry-run/"),
        (_migration_test, "branch migration-test/"),
        (_drill, "branch restore-drill/"),
        (_restore, "the pre-restore branch backup/pre-restore-"),
    ],
)
def test_budget__every_branch_making_command_counts_first(
    harness: Harness, clock: FakeClock, backend: NeonBackend, command: Callable[[Harness], object], making: str
) -> None:
    fill(harness, clock, ["backup/a", *(f"feature-{n}" for n in range(8))])
    backend.log.clear()
    with pytest.raises(NeonStackError) as caught:
        command(harness)
    assert f"so {making}" in caught.value.message
    assert "oldest prunable: backup/a (" in caught.value.message
    assert CREATE not in backend.request_counts()
    assert "POST /projects/{project_id}/branches/{branch_id}/restore" not in backend.request_counts()
    assert harness.runner.calls == []  # no migration ran without its backup


def test_prunable__backups_and_previews_never_protected_or_default() -> None:
    def branch(name: str, *, protected: bool = False, default: bool = False) -> models.Branch:
        return models.Branch(id=f"br-{name}", project_id="p", name=name, protected=protected, default=default)

    assert is_prunable(branch("backup/x"))
    assert is_prunable(branch("preview/pr-12"))
    assert not is_prunable(branch("backup/keep", protected=True))
    assert not is_prunable(branch("backup/odd-default", default=True))
    assert not is_prunable(branch("preview/feature"))  # not a pull-request preview
    assert not is_prunable(branch("restore-drill/20260101T000000Z"))
    assert not is_prunable(branch("main", default=True))
    assert [b.name for b in prunable([branch("backup/b"), branch("main", default=True), branch("backup/a")])] == [
        "backup/a",
        "backup/b",
    ]
