"""`backups list` and `backups prune`: the backup branches (`backup/…`) and snapshots of a Neon stack.

Prune deletes, per kind, what is beyond the newest `keep` (unprotected backup branches; manual
snapshots) and anything already expired. It never touches a protected branch or the default branch,
never a scheduled snapshot before its schedule's retention ends (the schedule in the stack file
decides those), and never a branch that other branches still branch from (Neon refuses that).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra.neon import NeonClient, errors
from infra.neon.models import Branch, Snapshot
from infra.ops.neon.budget import BACKUP_PREFIX, PRE_RESTORE_PREFIX
from infra.ops.neon.target import NeonTarget
from infra.ops.safety.context import SafetyContext
from infra.ops.times import at, rfc3339

Kind = Literal["backup branch", "pre-restore branch", "manual snapshot", "scheduled snapshot"]
DEFAULT_KEEP = 3


class BackupEntry(BaseModel):
    """One backup, as `backups list` shows it (ids, never a secret)."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    id: str
    name: str
    created: datetime | None
    expires: datetime | None
    protected: bool
    source: str  # where its data comes from: the parent branch (and point), or the snapshot's branch and time
    children: int = 0  # branches made from it (a branch with children cannot be deleted)

    @property
    def is_branch(self) -> bool:
        return self.kind.endswith("branch")

    def line(self) -> str:
        created = rfc3339(self.created) if self.created else "?"
        expires = rfc3339(self.expires) if self.expires else ("never (protected)" if self.protected else "never")
        return f"{self.kind:<18} {self.name}  ({self.id})  created {created}  expires {expires}  from {self.source}"


def _branch_entry(branch: Branch, names: dict[str, str], children: int) -> BackupEntry:
    parent = names.get(branch.parent_id or "", branch.parent_id or "none")
    point = f" at {rfc3339(branch.parent_timestamp)}" if branch.parent_timestamp else ""
    return BackupEntry(
        kind="pre-restore branch" if branch.name.startswith(PRE_RESTORE_PREFIX) else "backup branch",
        id=branch.id,
        name=branch.name,
        created=branch.created_at,
        expires=branch.expires_at,
        protected=branch.protected,
        source=f"branch {parent}{point}",
        children=children,
    )


def _snapshot_entry(snapshot: Snapshot, names: dict[str, str]) -> BackupEntry:
    branch = names.get(snapshot.source_branch_id or "", snapshot.source_branch_id or "?")
    moment = snapshot.timestamp or snapshot.created_at
    return BackupEntry(
        kind="manual snapshot" if snapshot.manual else "scheduled snapshot",
        id=snapshot.id,
        name=snapshot.name,
        created=snapshot.created_at,
        expires=snapshot.expires_at,
        protected=False,
        source=f"branch {branch} at {rfc3339(moment)}",
    )


def catalog(neon: NeonClient, target: NeonTarget) -> list[BackupEntry]:
    """Backup branches and snapshots of the stack's project, newest first."""
    branches = neon.list_branches(target.project_id)
    names = {b.id: b.name for b in branches}
    entries = [
        _branch_entry(b, names, sum(1 for c in branches if c.parent_id == b.id))
        for b in branches
        if b.name.startswith(BACKUP_PREFIX) and not b.default
    ]
    entries += [_snapshot_entry(s, names) for s in neon.list_snapshots(target.project_id)]
    return sorted(entries, key=lambda e: (e.created is not None, e.created or at(0), e.id), reverse=True)


def list_backups(ctx: SafetyContext, stack: str) -> list[BackupEntry]:
    target, neon = ctx.neon_target(stack, "backups list")
    with neon:
        return catalog(neon, target)


class PruneDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    entry: BackupEntry
    delete: bool
    reason: str
    done: bool = False
    error: str | None = None


class PruneResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    keep: int
    dry_run: bool
    decisions: list[PruneDecision]

    @property
    def failed(self) -> list[PruneDecision]:
        return [d for d in self.decisions if d.error is not None]

    def lines(self) -> list[str]:
        doing = "would delete" if self.dry_run else "deleted"
        lines = []
        for d in self.decisions:
            verb = ("FAILED to delete" if d.error else doing) if d.delete else "kept"
            detail = f"{d.reason}: {d.error}" if d.error else d.reason
            lines.append(f"{verb:<16} {d.entry.kind} {d.entry.name} ({d.entry.id}): {detail}")
        went = sum(1 for d in self.decisions if d.delete and d.error is None)
        total, keep = len(self.decisions), self.keep
        lines.append(f"{self.stack}: {doing} {went} of {total} backups (the newest {keep} of each kind kept)")
        return lines


def decide(entries: list[BackupEntry], *, keep: int, now: datetime) -> list[PruneDecision]:
    """What prune does with each backup (`entries` newest first): the rules in the module docstring."""
    ranks: dict[str, int] = {}
    decisions = []
    for entry in entries:
        group = "branch" if entry.is_branch else entry.kind
        rank = ranks.get(group, 0)
        if not entry.protected:
            ranks[group] = rank + 1
        delete, reason = _verdict(entry, rank, keep=keep, now=now)
        decisions.append(PruneDecision(entry=entry, delete=delete, reason=reason))
    return decisions


def _verdict(entry: BackupEntry, rank: int, *, keep: int, now: datetime) -> tuple[bool, str]:
    """(delete?, why); `rank` counts the newer unprotected backups of the same kind."""
    if entry.protected:
        return False, "protected"
    if entry.children:
        return False, f"{entry.children} branch(es) were made from it: Neon deletes those first"
    if entry.expires is not None and entry.expires <= now:
        return True, "expired"
    if entry.kind == "scheduled snapshot":
        return False, "scheduled: the schedule's retention decides"
    if rank < keep:
        return False, f"one of the newest {keep}"
    return True, f"older than the newest {keep}"


def prune_backups(ctx: SafetyContext, stack: str, *, keep: int = DEFAULT_KEEP, dry_run: bool = False) -> PruneResult:
    target, neon = ctx.neon_target(stack, "backups prune")
    with neon:
        decisions = decide(catalog(neon, target), keep=keep, now=at(ctx.now()))
        if not dry_run:
            decisions = [_carry_out(ctx, neon, target, d) if d.delete else d for d in decisions]
    return PruneResult(stack=stack, keep=keep, dry_run=dry_run, decisions=decisions)


def _carry_out(ctx: SafetyContext, neon: NeonClient, target: NeonTarget, decision: PruneDecision) -> PruneDecision:
    entry = decision.entry
    ctx.reporter.step(f"deleting {entry.kind} {entry.name} ({entry.id})")
    try:
        with ctx.reporter.working(f"deleting {entry.name}"):
            if entry.is_branch:
                neon.delete_branch(target.project_id, entry.id)
            else:
                neon.delete_snapshot(target.project_id, entry.id)
    except errors.NeonError as exc:
        return decision.model_copy(update={"error": str(exc)})
    return decision.model_copy(update={"done": True})
