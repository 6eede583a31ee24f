"""`backup-branch`: a backup branch of a stack's default branch (see `infra/ops/neon/backups.py`)."""

from __future__ import annotations

from infra.ops.neon.backups import BackupRequest, BackupResult, create_backup
from infra.ops.safety.context import SafetyContext


def backup_branch(ctx: SafetyContext, stack: str, request: BackupRequest) -> BackupResult:
    target, neon = ctx.neon_target(stack, "backup-branch")
    with neon:
        return create_backup(neon, target, request, now=ctx.now(), reporter=ctx.reporter)
