"""`python -m infra backups list|prune|snapshot`: a Neon stack's backup branches and snapshots.

Bodies parse options and delegate to `infra/ops/safety/lifecycle.py` and `snapshot.py`; RUNBOOK.md
says when to use them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer

from infra.cli import app, safety
from infra.cli.console import results
from infra.cli.params import BranchOption, CountOption, DurationOption
from infra.errors import ExitCode
from infra.ops.safety.lifecycle import DEFAULT_KEEP, list_backups, prune_backups
from infra.ops.safety.snapshot import DEFAULT_SNAPSHOT_EXPIRY, take_snapshot

MAX_SNAPSHOT_LIFETIME = timedelta(days=3_660)  # ten years: longer than any schedule keeps one

backups = typer.Typer(help="A Neon stack's backups: backup branches and snapshots.", no_args_is_help=True)
app.add_typer(backups, name="backups")


class ListOutput(StrEnum):
    text = "text"
    json = "json"


@backups.command("list")
def list_command(
    stack: safety.StackArg,
    output: Annotated[ListOutput, typer.Option("--output", "-o", help="text or json.")] = ListOutput.text,
) -> None:
    """Backup branches and snapshots, newest first: name, kind, created, expires, protected, source."""
    entries = list_backups(safety.context(), stack)
    if output is ListOutput.json:
        results(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    results([e.line() for e in entries] or [f"{stack} has no backup branches or snapshots"])


@backups.command("prune")
def prune_command(
    stack: safety.StackArg,
    keep: Annotated[
        int, CountOption("Keep the newest N (0 or more) of each kind (backup branches, manual snapshots).", least=0)
    ] = DEFAULT_KEEP,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")] = False,
) -> None:
    """Delete expired backups and unprotected ones beyond the newest N; never a protected one."""
    result = prune_backups(safety.context(), stack, keep=keep, dry_run=dry_run)
    results(result.lines())
    if result.failed:
        raise typer.Exit(ExitCode.ERROR)


@backups.command("snapshot")
def snapshot_command(
    stack: safety.StackArg,
    name: Annotated[str | None, BranchOption("Snapshot name (default manual-<UTC time>).")] = None,
    expires_in: Annotated[
        timedelta | None,
        DurationOption(MAX_SNAPSHOT_LIFETIME, "this command keeps a snapshot", "Lifetime (default 30d)."),
    ] = None,
    no_expiry: Annotated[bool, typer.Option("--no-expiry", help="Keep it until deleted.")] = False,
) -> None:
    """Take a manual snapshot of the default branch now."""
    lifetime = None if no_expiry else (expires_in or DEFAULT_SNAPSHOT_EXPIRY)
    results(take_snapshot(safety.context(), stack, name=name, expires_in=lifetime).lines())
