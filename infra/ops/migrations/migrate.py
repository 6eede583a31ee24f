"""`migrate`: lint the pending revisions and refuse a blocking finding; back up the default branch;
apply the revisions one at a time, each recorded in the database's `workshelf_infra.migration_log`.
Or rehearse all of it on a throwaway branch (`--dry-run-on-branch`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.apply import Applied, apply_pending, git_sha
from infra.ops.migrations.context import MigrationContext
from infra.ops.migrations.findings import LintReport
from infra.ops.migrations.log import LogEntry
from infra.ops.migrations.output import text_lines
from infra.ops.migrations.stack_lint import lint_stack
from infra.ops.neon.backups import BackupRequest, BackupResult, create_backup
from infra.ops.neon.branches import throwaway_branch
from infra.ops.times import at, stamp

DRY_RUN_PREFIX = "migrate-dry-run/"


class MigrateResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    command: str
    lint: LintReport
    applied: list[LogEntry] = []
    exit_code_of_step: int = 0  # the failed upgrade's exit code
    backup: BackupResult | None = None
    dry_run_branch: str | None = None
    dry_run_branch_deleted: bool | None = None

    @classmethod
    def of(
        cls, stack: str, command: AlembicCommand, lint: LintReport, applied: Applied | None = None, **where: Any
    ) -> MigrateResult:
        """The result after the lint (refused, or nothing pending) or after applying (`where`: backup or branch)."""
        if applied is None:
            return cls(stack=stack, command=command.shown, lint=lint, **where)
        return cls(
            stack=stack,
            command=command.shown,
            lint=lint,
            applied=applied.entries,
            exit_code_of_step=applied.exit_code,
            **where,
        )

    @property
    def refused(self) -> bool:
        return self.lint.exit_code != 0

    @property
    def failed(self) -> LogEntry | None:
        return next((e for e in self.applied if e.outcome == "failed"), None)

    @property
    def exit_code(self) -> int:
        return self.lint.exit_code or self.exit_code_of_step

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def lines(self) -> list[str]:
        if self.refused:
            return text_lines(self.lint)
        if not self.lint.revisions:
            return [f"nothing to migrate: {self.stack} is at {self.lint.start}, the latest revision"]
        done = ", ".join(e.revision for e in self.applied if e.outcome == "ok") or "none"
        seconds = sum(e.duration_ms for e in self.applied) / 1000
        if self.failed:
            head = f"FAILED at {self.failed.revision} ({self.failed.error}); applied before it: {done}"
        else:
            head = f"succeeded in {seconds:.1f}s; applied: {done}"
        if self.dry_run_branch is not None:
            gone = "deleted" if self.dry_run_branch_deleted else "NOT deleted (see the warning above)"
            return [
                f"dry run on branch {self.dry_run_branch} {head}; branch {gone}",
                f"{self.stack}'s default branch was not touched",
            ]
        lines = [f"migration on {self.stack} {head}", "each revision is recorded in workshelf_infra.migration_log"]
        if self.backup is None:
            return lines
        if self.failed is None:
            return lines + self.backup.lines()
        return [
            *lines,
            self.backup.lines()[0],
            f"to undo whatever the failed migration changed, run: {self.backup.restore_command()}",
        ]


def migrate(
    ctx: MigrationContext,
    stack: str,
    command: AlembicCommand,
    *,
    expires_in: timedelta | None = None,
    name: str | None = None,
) -> MigrateResult:
    """Lint (a blocking finding refuses), back up (no backup, no migration), apply and record each revision."""
    target, neon = ctx.neon_target(stack, "migrate")
    with neon:
        report = lint_stack(ctx, stack, command)
        if report.exit_code != 0 or not report.revisions:
            return MigrateResult.of(stack, command, report)
        request = BackupRequest(name=name, expires_in=expires_in, purpose="pre-migrate")
        backup = create_backup(neon, target, request, now=ctx.now(), reporter=ctx.reporter)
    ctx.reporter.note(backup.lines()[0])
    url = target.outputs.database_url
    masker = Masker()
    masker.add_uri(url)
    revisions = [r.revision for r in report.revisions]
    driver = ctx.driver(command, url, masker)
    applied = apply_pending(driver, revisions, sha=git_sha(command.cwd), backup_branch=backup.name)
    ctx.reporter.step(f"recording {len(applied.entries)} revision(s) in workshelf_infra.migration_log")
    ctx.migrations.record(url, applied.entries)
    return MigrateResult.of(stack, command, report, applied, backup=backup)


def dry_run_on_branch(ctx: MigrationContext, stack: str, command: AlembicCommand) -> MigrateResult:
    """Lint, then apply the pending revisions to a fresh branch of the default branch (deleted afterwards)."""
    target, neon = ctx.neon_target(stack, "migrate --dry-run-on-branch")
    with neon:
        report = lint_stack(ctx, stack, command)
        if report.exit_code != 0 or not report.revisions:
            return MigrateResult.of(stack, command, report)
        now = ctx.now()
        name = f"{DRY_RUN_PREFIX}{stamp(at(now))}"
        masker = Masker()
        masker.add_uri(target.outputs.database_url)
        ctx.reporter.step(f"creating throwaway branch {name} of {stack}'s default branch (deleted afterwards)")
        with throwaway_branch(neon, target, name=name, now=now, reporter=ctx.reporter) as branch:
            masker.add_uri(branch.uri)
            driver = ctx.driver(command, branch.uri, masker)
            applied = apply_pending(driver, [r.revision for r in report.revisions], sha=None, backup_branch=None)
    where = {"dry_run_branch": f"{branch.branch.name} ({branch.branch.id})", "dry_run_branch_deleted": branch.deleted}
    return MigrateResult.of(stack, command, report, applied, **where)
