"""`python -m infra release` and `release status`: the deployment checklist as one command, staging first.

Bodies parse options and delegate to `infra/ops/release`; RUNBOOK §5 walks through it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from infra.cli import app
from infra.cli.console import ConsoleReporter, results
from infra.cli.migrations import AlembicArgs, CwdOption, UrlEnvOption
from infra.cli.params import CountOption, TextFileOption, stack_name
from infra.config import NEON_ENVIRONMENTS
from infra.ops.migrations.alembic import DEFAULT_URL_ENV
from infra.ops.release.context import ReleaseContext, release_context
from infra.ops.release.errors import ReleaseError
from infra.ops.release.run import ReleaseRequest, release
from infra.ops.release.status import DEFAULT_LIMIT, release_status
from infra.toolchain.paths import REPO_ROOT


def context() -> ReleaseContext:
    """The real dependencies (tests replace this function)."""
    return release_context(REPO_ROOT, ConsoleReporter())


class StatusOutput(StrEnum):
    text = "text"
    json = "json"


class ReleaseGroup(TyperGroup):
    """`release ...` runs a release; `release status ...` shows them. A group cannot also take the
    migration command as arguments, so everything but `status` goes to the (hidden) release command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # a click Context (typer vendors click)
        return super().parse_args(ctx, args if args[:1] == ["status"] else [RUN, *args])


RUN = "run"
releases = typer.Typer(cls=ReleaseGroup, help="Releases: backup, migration, checks, record; staging first.")
app.add_typer(releases, name="release")


@releases.command(RUN, hidden=True, epilog="`python -m infra release status [--stack S] [-o json]`: the last releases.")
def release_command(
    stack: Annotated[
        str, typer.Option("--stack", "-s", parser=stack_name, help="staging, or production (after staging).")
    ],
    *,
    alembic: AlembicArgs = None,
    checks: Annotated[
        Path | None, TextFileOption("SQL checks run after the migration (each query, then `-- expect: <value>`).")
    ] = None,
    outside_window: Annotated[
        bool, typer.Option("--outside-window", help="Release outside release.window (needs --reason).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it cannot wait for the window (10+ characters, recorded).")
    ] = None,
    cwd: CwdOption = None,
    url_env: UrlEnvOption = DEFAULT_URL_ENV,
) -> None:
    """Lint, back up and migrate (as `migrate` does), run the checks, record the release; print the record as JSON.

    Exit 8: refused (production before staging, outside the window); 9: checks failed (prints the restore command).
    """
    if cwd is not None and not cwd.is_dir():
        raise ReleaseError(f"--cwd {cwd}: no such directory")
    request = ReleaseRequest(
        stack=stack,
        argv=tuple(alembic or []),
        cwd=cwd.resolve() if cwd else None,
        url_env=url_env,
        checks_file=checks,
        outside_window=outside_window,
        reason=reason,
    )
    done = release(context(), request)
    results(done.record.model_dump_json())
    failure = done.failure()
    if failure is not None:
        raise failure


@releases.command("status")
def status_command(
    stack: Annotated[
        list[str] | None,
        typer.Option("--stack", "-s", parser=stack_name, help="A stack (repeatable); default: staging and production."),
    ] = None,
    limit: Annotated[int, CountOption("Releases per stack (1 to 100).", least=1, most=100)] = DEFAULT_LIMIT,
    output: Annotated[StatusOutput, typer.Option("--output", "-o", help="text or json.")] = StatusOutput.text,
) -> None:
    """The last releases per stack (newest first), read from each stack's database."""
    status = release_status(context(), stack or list(NEON_ENVIRONMENTS), limit=limit)
    results(status.as_json() if output is StatusOutput.json else status.lines())
