"""Data-safety commands for Neon stacks: `backup-branch`, `restore-drill` and `restore` (the migration
commands are in `migrations.py`). Bodies parse options and delegate to `infra/ops/safety`; see RUNBOOK.md."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from infra.cli import app
from infra.cli.console import ConsoleReporter, NotConfirmedError, results
from infra.cli.params import (
    AgoOption,
    AtOption,
    BranchOption,
    DirectoryOption,
    DurationOption,
    ExpiresInOption,
    PercentOption,
    StackOption,
    TextFileOption,
)
from infra.errors import ExitCode
from infra.ops.neon.backups import BackupRequest
from infra.ops.safety.backup import backup_branch
from infra.ops.safety.checks import DEFAULT_TOLERANCE_PERCENT
from infra.ops.safety.context import SafetyContext, default_context
from infra.ops.safety.drill import DrillOptions, restore_drill
from infra.ops.safety.restore import PRE_RESTORE_EXPIRY, apply_restore, plan_restore
from infra.toolchain.paths import REPO_ROOT


def context() -> SafetyContext:
    """The real dependencies (tests replace this function)."""
    return default_context(REPO_ROOT, ConsoleReporter())


def interactive() -> bool:
    """Whether a person can answer a question (tests replace this function)."""
    return sys.stdin.isatty()


StackArg = StackOption
ExpiresIn = ExpiresInOption
At = AtOption
Ago = AgoOption


@app.command("backup-branch")
def backup_branch_command(
    stack: StackArg,
    name: Annotated[str | None, BranchOption("Branch name (default backup/pre-migrate-<UTC time>).")] = None,
    expires_in: ExpiresIn = None,
    at: At = None,
    protect: Annotated[bool, typer.Option(help="Protect it instead of letting it expire.")] = False,
) -> None:
    """Branch the default branch now (or --at a past point) as a backup that expires (--expires-in, default 7d)."""
    request = BackupRequest(name=name, expires_in=expires_in, point=at, protect=protect)
    request.expiry()  # --protect with --expires-in, before any stack or API access
    results(backup_branch(context(), stack, request).lines())


@app.command("restore-drill")
def restore_drill_command(
    stack: StackArg,
    *,
    at: At = None,
    ago: Ago = None,
    from_snapshot: Annotated[
        str | None, typer.Option(metavar="latest|ID", help="Drill a snapshot (its id or name, or `latest`).")
    ] = None,
    check: Annotated[Path | None, TextFileOption("SQL checks, each query followed by `-- expect: <value>`.")] = None,
    tolerance: Annotated[
        float, PercentOption("Row counts may differ from the source by this (0 to 100).")
    ] = DEFAULT_TOLERANCE_PERCENT,
    allow_no_checks: Annotated[
        bool, typer.Option("--allow-no-checks", help="Pass even when nothing could be checked.")
    ] = False,
    report_dir: Annotated[Path | None, DirectoryOption("Where reports go (default reports/).")] = None,
) -> None:
    """Copy the default branch (at a past point, default 1h ago, or from a snapshot), verify it, report, delete it.

    Exits 9 when the drill fails or proves nothing."""
    ctx = context()
    ctx.report_dir = report_dir or ctx.report_dir
    options = DrillOptions(
        at_point=at,
        ago=ago,
        check_file=check,
        from_snapshot=from_snapshot,
        allow_no_checks=allow_no_checks,
        tolerance_percent=tolerance,
    )
    outcome = restore_drill(ctx, stack, options)
    results(outcome.lines())
    if not outcome.report.ok:
        raise typer.Exit(ExitCode.VERIFICATION_FAILED)


@app.command("restore")
def restore_command(
    stack: StackArg,
    from_branch: Annotated[str | None, BranchOption("Backup branch id or name to restore from.")] = None,
    at: At = None,
    keep_pre_restore: Annotated[
        timedelta | None,
        DurationOption(
            PRE_RESTORE_EXPIRY,
            "the pre-restore branch is kept",
            "How long the pre-restore branch is kept (default and most: 30d).",
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do it (required for production).")] = False,
) -> None:
    """Restore the default branch from a backup branch or to a timestamp; the current state is kept as a branch."""
    ctx = context()
    plan = plan_restore(
        ctx, stack, from_branch=from_branch, at_point=at, preserve_for=keep_pre_restore or PRE_RESTORE_EXPIRY
    )
    results(plan.lines())
    if not yes and (plan.environment == "production" or not interactive()):
        raise NotConfirmedError(f"not restoring without --yes ({plan.environment}): re-run the command with --yes")
    if not yes and not typer.confirm("Restore now?", err=True):
        raise NotConfirmedError("restore cancelled")
    results(apply_restore(ctx, plan).lines())
