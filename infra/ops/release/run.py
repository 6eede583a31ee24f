"""`release`: the deployment checklist as one command.

Before anything changes, and before any API call: the stack is staging or production, the check file
parses, the window allows it (or the override is given with a reason). Production then needs staging
first (`gate.py`). Then (a) a pre-release backup branch with an expiry and (b) the migration, both by
`migrate` itself (its lint first, no backup no migration, each revision in the migration log); with
nothing pending, the backup is made all the same; (c) the checks against the migrated database; (d)
the release record, written into that database and returned for printing as JSON.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, SecretStr

from infra.config import NeonStack
from infra.errors import ExitCode, WorkshelfError
from infra.ops.migrations.alembic import DEFAULT_URL_ENV, AlembicCommand
from infra.ops.migrations.migrate import MigrateResult, migrate
from infra.ops.neon.backups import BackupRequest, BackupResult, create_backup
from infra.ops.neon.budget import BACKUP_PREFIX
from infra.ops.release.context import ReleaseContext
from infra.ops.release.errors import ReleaseError
from infra.ops.release.gate import BASE, require_staging_first
from infra.ops.release.record import Outcome, ReleaseRecord
from infra.ops.release.window import WindowCheck, check_window
from infra.ops.safety.checks import Check, CheckOutcome, load_checks, outcome
from infra.ops.safety.errors import SafetyError
from infra.ops.times import at, stamp

RELEASE_BACKUP: Final = f"{BACKUP_PREFIX}pre-release-"


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    argv: tuple[str, ...]  # how the application runs Alembic, without a subcommand
    cwd: Path | None = None
    url_env: str = DEFAULT_URL_ENV
    checks_file: Path | None = None
    outside_window: bool = False
    reason: str | None = None


class Released(BaseModel):
    """The record, and how the command exits: 0, 9 (checks failed), or the migration's own code."""

    model_config = ConfigDict(frozen=True)

    record: ReleaseRecord

    @property
    def exit_code(self) -> int:
        if self.record.outcome == "ok":
            return ExitCode.OK
        if self.record.outcome == "checks_failed":
            return ExitCode.VERIFICATION_FAILED
        code = self.record.migration_exit_code
        return code if 0 < code < 256 else ExitCode.ERROR

    def failure(self) -> ReleaseError | None:
        """What to tell the operator when it did not go well: what failed, and the exact restore command."""
        r = self.record
        if r.outcome == "ok":
            return None
        if r.outcome == "checks_failed":
            failed = [f"{c.name}: expected {c.expected}, got {c.error or c.actual}" for c in r.checks if not c.ok]
            what = f"{len(failed)} of {r.checks_total} check(s) failed after the migration: " + "; ".join(failed)
        else:
            what = f"the migration failed (exit {r.migration_exit_code})"
        return ReleaseError(
            f"release on {r.stack}: {what}",
            hint=f"to bring back the data from before the release, run: {r.restore_command}",
            exit_code=self.exit_code,
        )


def prepare(ctx: ReleaseContext, request: ReleaseRequest) -> tuple[NeonStack, AlembicCommand, list[Check], WindowCheck]:
    """Everything that can be refused without an API call: stack kind, command, check file, window."""
    settings = ctx.stack_settings(request.stack)
    if not isinstance(settings, NeonStack):
        raise ReleaseError(f"`release` works on staging and production; {request.stack} is a local PostgreSQL")
    command = ctx.alembic(request.argv, cwd=request.cwd, url_env=request.url_env)
    try:
        checks = load_checks(request.checks_file) if request.checks_file else []
    except SafetyError as exc:
        raise ReleaseError(exc.message, hint=exc.hint) from None
    window = check_window(settings, at(ctx.now()), outside_window=request.outside_window, reason=request.reason)
    return settings, command, checks, window


def release(ctx: ReleaseContext, request: ReleaseRequest) -> Released:
    settings, command, checks, window = prepare(ctx, request)
    ctx = dataclasses.replace(ctx, outputs=functools.cache(ctx.outputs))  # read each stack's outputs once
    started = at(ctx.now())
    if settings.is_production:
        require_staging_first(ctx, request.stack, command)
    name = f"{RELEASE_BACKUP}{stamp(started)}"
    migrated = migrate(ctx, request.stack, command, name=name)
    if migrated.refused:  # a blocking finding: nothing was made, nothing ran
        raise ReleaseError("\n".join(migrated.lines()), exit_code=migrated.exit_code)
    backup = migrated.backup or _backup(ctx, request.stack, name)  # nothing pending: back up all the same
    url = ctx.stack_outputs(request.stack).database_url
    results = _verify(ctx, url, checks) if migrated.ok else []
    record = _record(ctx, request, migrated=migrated, backup=backup, window=window, started=started, checks=results)
    return Released(record=_store(ctx, url, record))


def _backup(ctx: ReleaseContext, stack: str, name: str) -> BackupResult:
    target, neon = ctx.neon_target(stack, "release")
    with neon:
        backup = create_backup(neon, target, BackupRequest(name=name), now=ctx.now(), reporter=ctx.reporter)
    ctx.reporter.note(backup.lines()[0])
    return backup


def _revisions(migrated: MigrateResult) -> tuple[str | None, str | None]:
    """Before: the applied revision the lint started from; after: the last revision applied, if any."""
    before = None if migrated.lint.start == BASE else migrated.lint.start
    done = [e.revision for e in migrated.applied if e.outcome == "ok"]
    return before, done[-1] if done else before


def _verify(ctx: ReleaseContext, url: SecretStr, checks: Sequence[Check]) -> list[CheckOutcome]:
    if not checks:
        return []
    ctx.reporter.step(f"running {len(checks)} check(s) against the migrated database")
    values = ctx.database.query_values(url, [c.query for c in checks])
    results = [outcome(c, v) for c, v in zip(checks, values, strict=True)]
    for r in results:
        ctx.reporter.note(
            f"  {'ok' if r.ok else 'FAILED'}: {r.name} (expected {r.expected}, got {r.error or r.actual})"
        )
    return results


def _record(
    ctx: ReleaseContext,
    request: ReleaseRequest,
    *,
    migrated: MigrateResult,
    backup: BackupResult,
    window: WindowCheck,
    started: datetime,
    checks: list[CheckOutcome],
) -> ReleaseRecord:
    result: Outcome = "migration_failed" if not migrated.ok else "ok" if all(c.ok for c in checks) else "checks_failed"
    before, after = _revisions(migrated)
    return ReleaseRecord(
        stack=request.stack,
        started_at=started,
        finished_at=at(ctx.now()),
        outcome=result,
        revision_before=before,
        revision_after=after,
        git_sha=ctx.commit(request.cwd or ctx.cwd),
        command=migrated.command,
        migration_exit_code=migrated.exit_code,
        backup_branch_id=backup.branch_id,
        backup_branch_name=backup.name,
        backup_expires_at=backup.expires_at,
        checks_passed=sum(c.ok for c in checks),
        checks_total=len(checks),
        checks=checks,
        outside_window=window.outside_window,
        override_reason=window.override_reason,
        restore_command=backup.restore_command(),
    )


def _store(ctx: ReleaseContext, url: SecretStr, record: ReleaseRecord) -> ReleaseRecord:
    """Written into the released database; if that fails, the printed record is all there is (said so)."""
    try:
        return ctx.records.write(url, record)
    except WorkshelfError as exc:
        ctx.reporter.note(f"warning: the release record was not stored ({exc.message}); keep the JSON printed below")
        return record
