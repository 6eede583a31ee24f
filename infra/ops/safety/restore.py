"""`restore`: put the default branch back, from a backup branch (its head or a point in its history)
or from its own history, keeping the current state as a new branch so that nothing is lost."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from infra.neon import NeonClient, errors
from infra.neon.models import Branch, BranchRestore, BranchUpdate
from infra.ops.followup import pulumi_command
from infra.ops.neon.backups import BACKUP_PREFIX, restore_command
from infra.ops.neon.branches import explain
from infra.ops.neon.window import check_point, history_window
from infra.ops.safety.context import SafetyContext
from infra.ops.safety.errors import SafetyError
from infra.ops.times import at, rfc3339, stamp


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

    def lines(self) -> list[str]:
        own = self.source_id == self.target_id
        source = "its own history" if own else f"branch {self.source_name} ({self.source_id})"
        point = f"as of {rfc3339(self.source_timestamp)}" if self.source_timestamp else "at its latest state"
        lines = [
            f"restore plan for {self.stack} (project {self.project_id}):",
            f"  - replace the data of the default branch {self.target_name} ({self.target_id}) with {source}, {point}",
            f"  - keep the current data as the new branch {self.preserve_under_name} (nothing is deleted)",
            "  - connections to the default branch drop briefly; its connection string does not change",
        ]
        if self.target_protected:
            lines.append(f"  - lift the protection of {self.target_name} for the restore and put it back afterwards")
        return lines


class RestoreResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    plan: RestorePlan
    preserved_id: str | None

    def lines(self) -> list[str]:
        plan, kept = self.plan, self.preserved_id or "unknown id"
        lines = [
            f"restored {plan.stack}'s {plan.target_name} ({plan.target_id}); previous state kept as "
            f"{plan.preserve_under_name} ({kept})"
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


def plan_restore(ctx: SafetyContext, stack: str, *, from_branch: str | None, at_point: datetime | None) -> RestorePlan:
    if from_branch is None and at_point is None:
        raise SafetyError("say what to restore from: --from-branch <backup branch>, --at <timestamp>, or both")
    target, neon = ctx.neon_target(stack, "restore")
    now = ctx.now()
    with neon:
        default = neon.get_branch(target.project_id, target.branch_id)
        source = _find_branch(neon, target.project_id, from_branch) if from_branch else default
        if source.id == default.id and at_point is None:
            raise SafetyError(f"restoring {default.name} from itself needs --at <timestamp>")
        if at_point is not None:
            window = history_window(neon.get_project(target.project_id), source, now)
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
        preserve_under_name=f"{BACKUP_PREFIX}pre-restore-{stamp(at(now))}",
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
        preserved = [b for b in neon.list_branches(plan.project_id) if b.name == plan.preserve_under_name]
    return RestoreResult(plan=plan, preserved_id=preserved[0].id if preserved else None)


def _protect_again(ctx: SafetyContext, neon: NeonClient, plan: RestorePlan) -> None:
    ctx.reporter.step(f"protecting {plan.target_name} again")
    try:
        neon.update_branch(plan.project_id, plan.target_id, BranchUpdate(protected=True))
    except errors.NeonError as exc:
        raise SafetyError(
            f"{plan.target_name} ({plan.target_id}) is left UNPROTECTED: {exc}",
            hint=f"run `{pulumi_command('up', '--stack', plan.stack)}` (it declares the protection) at once",
        ) from None
