"""Staging first, in code: production is released only to a revision that a successful staging release
reached. The revision production is about to reach is what `migrate` would apply: the last pending
revision after production's applied one, from the same lint `migrate` runs first (no branch, no
migration), or production's current revision when nothing is pending."""

from __future__ import annotations

from typing import Final

from infra.errors import ExitCode
from infra.ops.followup import cli_command
from infra.ops.migrations.alembic import DEFAULT_URL_ENV, AlembicCommand
from infra.ops.migrations.output import text_lines
from infra.ops.migrations.stack_lint import lint_stack
from infra.ops.release.context import ReleaseContext
from infra.ops.release.errors import ReleaseError
from infra.ops.release.record import ReleaseRecord
from infra.ops.times import rfc3339

STAGING: Final = "staging"
LOOKBACK: Final = 50  # staging's successful releases searched for the revision
BASE: Final = "base"


def staging_records(ctx: ReleaseContext) -> list[ReleaseRecord]:
    """Staging's successful releases, newest first, read from staging's own database."""
    url = ctx.stack_outputs(STAGING).database_url
    return ctx.records.read(url, limit=LOOKBACK, outcome="ok")


def planned_revision(ctx: ReleaseContext, stack: str, command: AlembicCommand) -> str | None:
    """The revision `migrate` would take `stack` to; a blocking finding refuses here already (exit 8)."""
    report = lint_stack(ctx, stack, command)
    if report.exit_code != 0:
        raise ReleaseError("\n".join(text_lines(report)), exit_code=report.exit_code)
    last = report.revisions[-1].revision if report.revisions else report.start
    return None if last == BASE else last


def require_staging_first(ctx: ReleaseContext, stack: str, command: AlembicCommand) -> ReleaseRecord:
    """The staging release production follows, or a refusal (exit 8) that says what staging lacks."""
    again = cli_command("release", "--stack", STAGING, *_where(command), "--", *command.argv)
    released = staging_records(ctx)
    if not released:
        raise ReleaseError(
            f"{stack} is released after staging, and staging has no successful release record",
            hint=f"release to staging first: {again}",
            exit_code=ExitCode.REFUSED,
        )
    planned = planned_revision(ctx, stack, command)
    match = next((r for r in released if r.revision_after == planned), None)
    if match is None:
        last = released[0]
        raise ReleaseError(
            f"{stack} would reach revision {planned or '(none)'}, which no successful staging release reached; "
            f"staging's last one reached {last.revision_after or '(none)'} at {rfc3339(last.finished_at)}",
            hint=f"release this migration to staging first: {again}",
            exit_code=ExitCode.REFUSED,
        )
    ctx.reporter.note(
        f"staging first: staging reached revision {planned} at {rfc3339(match.finished_at)} "
        f"(release {match.id}, git {match.git_sha or 'unknown'})"
    )
    return match


def _where(command: AlembicCommand) -> list[str]:
    """The options that say where the application's Alembic runs, as the operator gave them."""
    cwd = ["--cwd", str(command.cwd)] if command.cwd is not None else []
    return cwd + (["--url-env", command.url_env] if command.url_env != DEFAULT_URL_ENV else [])
