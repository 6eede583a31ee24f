"""The branch budget: every command that makes a branch counts the project's branches first.

Neon includes 10 branches per project on Free and Launch and 25 on Scale (`BRANCH_LIMIT`); Free refuses
more and paid plans bill each extra one. So a full project is refused here, before any branch is made,
with the oldest branches our own tools can prune (backups and pull-request previews, never a protected
or default branch) and the commands that prune them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from infra.config.plans import BRANCH_LIMIT
from infra.neon import NeonClient
from infra.neon.models import Branch
from infra.ops.followup import cli_command
from infra.ops.neon.errors import NeonStackError
from infra.ops.neon.target import NeonTarget
from infra.ops.times import rfc3339

BACKUP_PREFIX = "backup/"
PRE_RESTORE_PREFIX = f"{BACKUP_PREFIX}pre-restore-"
PREVIEW_PREFIX = "preview/pr-"
SHOWN = 3  # prunable branches named in a refusal

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_prunable(branch: Branch) -> bool:
    """A backup or preview branch that is neither protected nor the default branch."""
    named = branch.name.startswith(BACKUP_PREFIX) or branch.name.startswith(PREVIEW_PREFIX)
    return named and not branch.protected and not branch.default


def oldest_first(branches: Sequence[Branch]) -> list[Branch]:
    return sorted(branches, key=lambda b: (b.created_at or _EPOCH, b.name))


def prunable(branches: Sequence[Branch]) -> list[Branch]:
    """The prunable branches, oldest first."""
    return oldest_first([b for b in branches if is_prunable(b)])


def prune_commands(stack: str) -> str:
    backups = cli_command("backups", "prune", "--stack", stack)
    previews = cli_command("preview", "prune", "--stack", stack, "--open")
    return f"`{backups}` or `{previews} <open PR numbers>`"


def check_branch_budget(neon: NeonClient, target: NeonTarget, *, creating: str, adding: int = 1) -> None:
    """Refuse, naming what to prune, when `adding` more branches would exceed the plan's limit."""
    branches = neon.list_branches(target.project_id)
    limit = BRANCH_LIMIT[target.plan]
    if len(branches) + adding <= limit:
        return
    head = (
        f"{target.stack} has {len(branches)} of the {limit} branches the {target.plan} plan allows "
        f"(the default branch included), so {creating} cannot be made"
    )
    candidates = prunable(branches)
    if not candidates:
        raise NeonStackError(
            f"{head}; none of them is an unprotected backup/ or preview/pr- branch these tools prune",
            hint=f"delete branches you no longer need in project {target.project_id} (Neon Console or neonctl), "
            "or move the project to a plan with more branches",
        )
    oldest = ", ".join(_describe(b) for b in candidates[:SHOWN])
    more = f" (+{len(candidates) - SHOWN} more)" if len(candidates) > SHOWN else ""
    raise NeonStackError(
        f"{head}; oldest prunable: {oldest}{more}; prune with {prune_commands(target.stack)}",
        hint="protected and default branches are never pruned; "
        f"`{cli_command('backups', 'prune', '--stack', target.stack, '--dry-run')}` lists what would go",
    )


def _describe(branch: Branch) -> str:
    created = f", created {rfc3339(branch.created_at)}" if branch.created_at else ""
    return f"{branch.name} ({branch.id}{created})"
