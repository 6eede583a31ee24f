"""Backup branches: a branch of the default branch, now or at a past point, that expires (or is protected),
and the command that restores from one."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from infra.config.plans import PROTECTED_BRANCH_LIMIT
from infra.neon import NeonClient
from infra.neon.models import BranchCreate
from infra.ops.followup import cli_command
from infra.ops.neon.branches import check_expiry, create_branch
from infra.ops.neon.budget import BACKUP_PREFIX
from infra.ops.neon.errors import NeonStackError
from infra.ops.neon.target import NeonTarget
from infra.ops.neon.window import check_point, stack_window
from infra.ops.reporter import Reporter
from infra.ops.times import at, rfc3339, stamp

DEFAULT_EXPIRY = timedelta(days=7)


class BackupRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = None
    expires_in: timedelta | None = None  # None: DEFAULT_EXPIRY, or no expiry when protected
    point: datetime | None = None  # None: the current point
    protect: bool = False
    purpose: str = "pre-migrate"

    def expiry(self) -> timedelta | None:
        """The branch's lifetime (None: protected); refuses what Neon cannot keep, before any API call."""
        return _expiry(self)


class BackupResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    project_id: str
    branch_id: str
    name: str
    parent_id: str
    point: datetime
    expires_at: datetime | None
    protected: bool

    def restore_command(self) -> str:
        return restore_command(self.stack, self.branch_id)

    def lines(self) -> list[str]:
        keep = f"expires {rfc3339(self.expires_at)}" if self.expires_at else "protected, never expires"
        return [
            f"backup branch: {self.name} ({self.branch_id}) of {self.parent_id} at {rfc3339(self.point)}; {keep}",
            f"to restore the {self.stack} default branch from it: {self.restore_command()}",
        ]


def restore_command(stack: str, branch_id: str, point: datetime | None = None) -> str:
    """The `restore` command that brings `branch_id` back, runnable as printed (`infra/ops/followup.py`)."""
    when = ["--at", rfc3339(point)] if point else []
    return cli_command("restore", "--stack", stack, "--from-branch", branch_id, *when, "--yes")


def create_backup(
    neon: NeonClient, target: NeonTarget, request: BackupRequest, *, now: float, reporter: Reporter
) -> BackupResult:
    expiry = _expiry(request)
    if request.protect:
        _check_protected_headroom(neon, target)
    point = request.point
    if point is not None:
        # Branching from the past needs the history window; check it here to name its bounds.
        parent = neon.get_branch(target.project_id, target.branch_id)
        window = stack_window(neon, target.project_id, parent, now)
        check_point(window, point, what="the backup point")
    name = request.name or f"{BACKUP_PREFIX}{request.purpose}-{stamp(point or at(now))}"
    spec = BranchCreate(
        name=name,
        parent_id=target.branch_id,
        parent_timestamp=point,
        protected=True if request.protect else None,
        expires_at=at(now) + expiry if expiry else None,
    )
    reporter.step(f"creating backup branch {name} of {target.stack}'s default branch")
    with reporter.working(f"creating {name}"):
        created = create_branch(neon, target, spec, compute=False, doing=f"create backup branch {name}")
    branch = created.branch
    return BackupResult(
        stack=target.stack,
        project_id=target.project_id,
        branch_id=branch.id,
        name=branch.name,
        parent_id=target.branch_id,
        point=branch.parent_timestamp or point or at(now),
        expires_at=branch.expires_at,
        protected=branch.protected,
    )


def _expiry(request: BackupRequest) -> timedelta | None:
    if request.protect:
        if request.expires_in is not None:
            raise NeonStackError("a protected branch cannot expire: use --protect or --expires-in, not both")
        return None
    hint = "use at most 30d, or --protect to keep the backup until you delete it"
    return check_expiry(request.expires_in or DEFAULT_EXPIRY, hint=hint)


def _check_protected_headroom(neon: NeonClient, target: NeonTarget) -> None:
    plan = target.plan
    limit = PROTECTED_BRANCH_LIMIT[plan]
    protected = [b for b in neon.list_branches(target.project_id) if b.protected]
    if len(protected) >= limit:
        names = ", ".join(f"{b.name} ({b.id})" for b in protected) or "none"
        raise NeonStackError(
            f"the {plan} plan allows {limit} protected branch{'es' if limit != 1 else ''} per project and "
            f"{target.stack} already has {len(protected)}: {names}",
            hint="back up without --protect (an expiring branch), or unprotect a branch you no longer need",
        )
