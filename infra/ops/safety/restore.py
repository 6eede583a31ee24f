"""`restore`: put the default branch back, from a backup branch (its head or a point in its history)
or from its own history, keeping the current state as a new branch so that nothing is lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from infra.neon import NeonClient, errors
from infra.neon.models import Branch, BranchRestore, BranchUpdate
from infra.ops.followup import cli_command, pulumi_command
from infra.ops.neon.backups import restore_command
from infra.ops.neon.branches import check_expiry, explain
from infra.ops.neon.budget import BACKUP_PREFIX, PRE_RESTORE_PREFIX, check_branch_budget
from infra.ops.neon.window import check_point, stack_window
from infra.ops.safety.context import SafetyContext
from infra.ops.safety.errors import SafetyError
from infra.ops.times import at, human, rfc3339, stamp

# The state a restore replaces is kept this long (Neon's longest expiry), then Neon deletes it.
PRE_RESTORE_EXPIRY = timedelta(days=30)


class RestorePlan(BaseModel):
    """What `apply_restore` will do; printed before anything changes."""

    model_config = ConfigDict(frozen=True)

    stack: str
    environment: str
    project_id: str
    target_id: str
    target_name: str
    target_protected: bool
    source_id: str
    source_name: str
    source_timestamp: datetime | None
    preserve_under_name: str
    preserve_for: timedelta = PRE_RESTORE_EXPIRY

    def lines(self) -> list[str]:
        own = self.source_id == self.target_id
        source = "its own history" if own else f"branch {self.source_name} ({self.source_id})"
        point = f"as of {rfc3339(self.source_timestamp)}" if self.source_timestamp else "at its latest state"
        lines = [
            f"restore plan for {self.stack} (project {self.project_id}):",
            f"  - replace the data of the default branch {self.target_name} ({self.target_id}) with {source}, {point}",
            f"  - keep the current data as the new branch {self.preserve_under_name} (nothing is deleted); "
            f"it expires {human(self.preserve_for)} after the restore",
            "  - connections to the default branch drop briefly; its connection string does not change",
        ]
        if self.target_protected:
            lines.append(f"  - lift the protection of {self.target_name} for the restore and put it back afterwards")
        return lines


class RestoreResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    plan: RestorePlan
    preserved_id: str | None
    preserved_expires_at: datetime | None = None

    def lines(self) -> list[str]:
        plan, kept = self.plan, self.preserved_id or "unknown id"
        until = f"until {rfc3339(self.preserved_expires_at)}" if self.preserved_expires_at else "with no expiry"
        lines = [
            f"restored {plan.stack}'s {plan.target_name} ({plan.target_id}); previous state kept as "
            f"{plan.preserve_under_name} ({kept}) {until}"
        ]
        if self.preserved_id:
            lines.append(f"to undo this restore: {restore_command(plan.stack, self.preserved_id)}")
        return lines


def _find_branch(neon: NeonClient, project_id: str, wanted: str) -> Branch:
    branches = neon.list_branches(project_id)
    for branch in branches:
        if wanted in (branch.id, branch.name):
            return branch
    backups = [f"{b.name} ({b.id})" for b in branches if b.name.startswith(BACKUP_PREFIX)]
    raise SafetyError(
        f"no branch {wanted!r} in project {project_id}",
        hint="backup branches: " + (", ".join(backups) if backups else "none") + " (ids or names work)",
    )


def plan_restore(
    ctx: SafetyContext,
    stack: str,
    *,
    from_branch: str | None,
    at_point: datetime | None,
    preserve_for: timedelta = PRE_RESTORE_EXPIRY,
) -> RestorePlan:
    if from_branch is None and at_point is None:
        raise SafetyError("say what to restore from: --from-branch <backup branch>, --at <timestamp>, or both")
    hint = "use at most 30d; protect the pre-restore branch afterwards to keep it longer"
    check_expiry(preserve_for, hint=hint, option="--keep-pre-restore")
    target, neon = ctx.neon_target(stack, "restore")
    now = ctx.now()
    preserve_under_name = f"{PRE_RESTORE_PREFIX}{stamp(at(now))}"
    with neon:
        check_branch_budget(neon, target, creating=f"the pre-restore branch {preserve_under_name}")
        default = neon.get_branch(target.project_id, target.branch_id)
        source = _find_branch(neon, target.project_id, from_branch) if from_branch else default
        if source.id == default.id and at_point is None:
            raise SafetyError(f"restoring {default.name} from itself needs --at <timestamp>")
        if at_point is not None:
            window = stack_window(neon, target.project_id, source, now)
            check_point(window, at_point, what="the restore point")
    return RestorePlan(
        stack=stack,
        environment=target.settings.environment,
        project_id=target.project_id,
        target_id=default.id,
        target_name=default.name,
        target_protected=default.protected,
        source_id=source.id,
        source_name=source.name,
        source_timestamp=at_point,
        preserve_under_name=preserve_under_name,
        preserve_for=preserve_for,
    )


def apply_restore(ctx: SafetyContext, plan: RestorePlan) -> RestoreResult:
    """Neon refuses to restore a protected branch, so protection is lifted for the call and always put back."""
    with ctx.neon() as neon:
        lifted = neon.get_branch(plan.project_id, plan.target_id).protected
        if lifted:
            ctx.reporter.step(f"lifting the protection of {plan.target_name} for the restore")
            try:
                neon.update_branch(plan.project_id, plan.target_id, BranchUpdate(protected=False))
            except errors.NeonError as exc:
                doing = f"lift the protection of {plan.target_name}"
                raise explain(exc, doing=doing, project_id=plan.project_id) from None
        try:
            source = "its own history" if plan.source_id == plan.target_id else plan.source_name
            when = f" as of {rfc3339(plan.source_timestamp)}" if plan.source_timestamp else ""
            ctx.reporter.step(f"restoring {plan.target_name} from {source}{when}")
            with ctx.reporter.working("restoring"):
                neon.restore_branch(
                    plan.project_id,
                    plan.target_id,
                    BranchRestore(
                        source_branch_id=plan.source_id,
                        source_timestamp=plan.source_timestamp,
                        preserve_under_name=plan.preserve_under_name,
                    ),
                )
        except errors.NeonError as exc:
            raise explain(exc, doing=f"restore {plan.target_name}", project_id=plan.project_id) from None
        finally:
            if lifted:
                _protect_again(ctx, neon, plan)
        branches = neon.list_branches(plan.project_id)
        preserved = next((b for b in branches if b.name == plan.preserve_under_name), None)
        expires = _expire_preserved(ctx, neon, plan, preserved, branches) if preserved else None
    return RestoreResult(plan=plan, preserved_id=preserved.id if preserved else None, preserved_expires_at=expires)


def _expire_preserved(
    ctx: SafetyContext, neon: NeonClient, plan: RestorePlan, preserved: Branch, branches: list[Branch]
) -> datetime | None:
    """Give the pre-restore branch its expiry; a failure is a warning: the restore itself succeeded."""
    children = [b.name for b in branches if b.parent_id == preserved.id]
    if children:
        # Neon keeps no expiry on a branch with children; the restore hands the old children to it.
        ctx.reporter.note(
            f"note: {preserved.name} keeps no expiry: it is the parent of {', '.join(sorted(children))} "
            f"(Neon does not expire parent branches); prune it later with "
            f"`{cli_command('backups', 'prune', '--stack', plan.stack)}`"
        )
        return None
    expires = at(ctx.now()) + plan.preserve_for
    try:
        neon.update_branch(plan.project_id, preserved.id, BranchUpdate(expires_at=expires))
    except errors.NeonError as exc:
        ctx.reporter.note(f"warning: could not give {preserved.name} an expiry: {exc}")
        return None
    return expires


def _protect_again(ctx: SafetyContext, neon: NeonClient, plan: RestorePlan) -> None:
    ctx.reporter.step(f"protecting {plan.target_name} again")
    try:
        neon.update_branch(plan.project_id, plan.target_id, BranchUpdate(protected=True))
    except errors.NeonError as exc:
        raise SafetyError(
            f"{plan.target_name} ({plan.target_id}) is left UNPROTECTED: {exc}",
            hint=f"run `{pulumi_command('up', '--stack', plan.stack)}` (it declares the protection) at once",
        ) from None
