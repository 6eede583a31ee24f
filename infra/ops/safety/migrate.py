"""`migrate`: back up the default branch, then run the migration with DATABASE_URL set; or rehearse it
on a throwaway branch (`--dry-run-on-branch`)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, SecretStr

from infra.masking import Masker
from infra.ops.neon.backups import BackupRequest, BackupResult, create_backup
from infra.ops.neon.branches import throwaway_branch
from infra.ops.safety.context import SafetyContext
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.runner import run_with_database
from infra.ops.times import Stopwatch, at, stamp

DRY_RUN_PREFIX = "migrate-dry-run/"


class MigrateResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    command: str
    exit_code: int
    seconds: float
    backup: BackupResult | None = None
    dry_run_branch: str | None = None
    dry_run_branch_deleted: bool | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def lines(self) -> list[str]:
        outcome = "succeeded" if self.ok else f"FAILED (exit {self.exit_code})"
        if self.dry_run_branch is not None:
            gone = "deleted" if self.dry_run_branch_deleted else "NOT deleted (see the warning above)"
            return [
                f"dry run on branch {self.dry_run_branch} {outcome} in {self.seconds:.1f}s; branch {gone}",
                f"{self.stack}'s default branch was not touched",
            ]
        lines = [f"migration on {self.stack} {outcome} in {self.seconds:.1f}s: {self.command}"]
        if self.backup is None:
            return lines
        if self.ok:
            return lines + self.backup.lines()
        return [
            *lines,
            self.backup.lines()[0],
            f"to undo whatever the failed migration changed, run: {self.backup.restore_command()}",
        ]


def _require_command(argv: Sequence[str]) -> None:
    if not argv:
        raise SafetyError("no migration command: give it after --, e.g. `-- alembic upgrade head`")


def _run(ctx: SafetyContext, argv: Sequence[str], url: SecretStr, masker: Masker) -> tuple[int, float]:
    watch = Stopwatch(ctx.clock)
    ctx.reporter.step(f"running: {masker(shlex.join(argv))}")
    code = run_with_database(ctx.runner, argv, database_url=url, cwd=ctx.cwd, emit=ctx.reporter.output, mask=masker)
    return code, watch.lap()


def migrate(
    ctx: SafetyContext, stack: str, argv: Sequence[str], *, expires_in: timedelta | None = None, name: str | None = None
) -> MigrateResult:
    """Backup branch first (no backup, no migration), then the command against the stack's database."""
    _require_command(argv)
    target, neon = ctx.neon_target(stack, "migrate")
    with neon:
        request = BackupRequest(name=name, expires_in=expires_in, purpose="pre-migrate")
        backup = create_backup(neon, target, request, now=ctx.now(), reporter=ctx.reporter)
    ctx.reporter.note(backup.lines()[0])
    masker = Masker()
    masker.add_uri(target.outputs.database_url)
    code, seconds = _run(ctx, argv, target.outputs.database_url, masker)
    return MigrateResult(stack=stack, command=masker(shlex.join(argv)), exit_code=code, seconds=seconds, backup=backup)


def dry_run_on_branch(ctx: SafetyContext, stack: str, argv: Sequence[str]) -> MigrateResult:
    """The command against a fresh branch of the default branch, which is deleted afterwards."""
    _require_command(argv)
    target, neon = ctx.neon_target(stack, "migrate --dry-run-on-branch")
    now = ctx.now()
    name = f"{DRY_RUN_PREFIX}{stamp(at(now))}"
    masker = Masker()
    masker.add_uri(target.outputs.database_url)
    ctx.reporter.step(f"creating throwaway branch {name} of {stack}'s default branch (deleted afterwards)")
    with neon, throwaway_branch(neon, target, name=name, now=now, reporter=ctx.reporter) as branch:
        masker.add_uri(branch.uri)
        code, seconds = _run(ctx, argv, branch.uri, masker)
    return MigrateResult(
        stack=stack,
        command=masker(shlex.join(argv)),
        exit_code=code,
        seconds=seconds,
        dry_run_branch=f"{branch.branch.name} ({branch.branch.id})",
        dry_run_branch_deleted=branch.deleted,
    )
