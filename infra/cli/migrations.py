"""The migration commands: `migration-lint`, `migrate` and `migration-test`. After `--` comes how the
application runs Alembic, without a subcommand (`-- alembic -c alembic.ini`); it runs as given, in
`--cwd` (default: here) with the URL in `--url-env` (default DATABASE_URL). Bodies parse options and
delegate to `infra/ops/migrations`; README "Migration safety" documents them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from infra.cli import app
from infra.cli.console import ConsoleReporter, document, results
from infra.cli.params import BranchOption, StackOption, TextFileOption, writable_file
from infra.cli.safety import ExpiresIn
from infra.errors import ExitCode
from infra.ops.migrations.alembic import DEFAULT_URL_ENV, AlembicCommand
from infra.ops.migrations.context import MigrationContext, migration_context
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.migrate import dry_run_on_branch, migrate
from infra.ops.migrations.migration_test import migration_test
from infra.ops.migrations.output import markdown_section, render_report
from infra.ops.migrations.stack_lint import lint_stack
from infra.ops.migrations.trip_output import trip_json, trip_markdown
from infra.toolchain.paths import REPO_ROOT


def context() -> MigrationContext:
    """The real dependencies (tests replace this function)."""
    return migration_context(REPO_ROOT, ConsoleReporter())


StackArg = StackOption
AlembicArgs = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="-- ALEMBIC...",
        show_default=False,
        help="How your application runs Alembic, e.g. alembic -c alembic.ini.",
    ),
]
CwdOption = Annotated[
    Path | None, typer.Option("--cwd", help="Run the Alembic command here (default: the current directory).")
]
UrlEnvOption = Annotated[str, typer.Option("--url-env", help="The variable your env.py reads the database URL from.")]
MarkdownOption = Annotated[
    Path | None,
    typer.Option(
        "--markdown", parser=writable_file, metavar="FILE", help="Also write the pull-request comment's section here."
    ),
]


def _command(ctx: MigrationContext, argv: list[str] | None, cwd: Path | None, url_env: str) -> AlembicCommand:
    if cwd is not None and not cwd.is_dir():
        raise MigrationError(f"--cwd {cwd}: no such directory")
    return ctx.alembic(argv or [], cwd=cwd.resolve() if cwd else None, url_env=url_env)


@app.command("migration-lint")
def migration_lint_command(
    stack: StackArg,
    *,
    alembic: AlembicArgs = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", metavar="REV|base", help="Lint after this revision (no deployed stack needed)."),
    ] = None,
    output: Annotated[
        Literal["text", "json", "github"], typer.Option("--output", "-o", help="text, json or github (annotations).")
    ] = "text",
    markdown: MarkdownOption = None,
    cwd: CwdOption = None,
    url_env: UrlEnvOption = DEFAULT_URL_ENV,
) -> None:
    """Lint the pending revisions' SQL (squawk + our rules + expand/contract); exit 8 on a blocking finding."""
    ctx = context()
    report = lint_stack(ctx, stack, _command(ctx, alembic, cwd, url_env), start=from_)
    document(render_report(report, output), None)
    if markdown is not None:
        document(markdown_section(report), markdown)
    raise typer.Exit(report.exit_code)


@app.command("migrate")
def migrate_command(
    stack: StackArg,
    *,
    alembic: AlembicArgs = None,
    dry_run_on_branch_: Annotated[
        bool, typer.Option("--dry-run-on-branch", help="Apply on a fresh branch (then deleted), not the database.")
    ] = False,
    expires_in: ExpiresIn = None,
    name: Annotated[str | None, BranchOption("Backup branch name.")] = None,
    cwd: CwdOption = None,
    url_env: UrlEnvOption = DEFAULT_URL_ENV,
) -> None:
    """Lint (refuse a blocking finding), back up the default branch, apply and record each pending revision."""
    ctx = context()
    command = _command(ctx, alembic, cwd, url_env)
    if dry_run_on_branch_ and (name or expires_in):
        raise MigrationError("--name and --expires-in describe the backup branch, which a dry run does not make")
    if dry_run_on_branch_:
        result = dry_run_on_branch(ctx, stack, command)
    else:
        result = migrate(ctx, stack, command, expires_in=expires_in, name=name)
    results(result.lines())
    if result.refused:
        blocking = result.lint.count("blocking")
        raise MigrationError(
            f"migrate refused: {blocking} blocking finding{'s' * (blocking != 1)} in the pending revisions (above)",
            hint="make the migration safe, or acknowledge the finding in the migration file (README: markers); "
            "there is no --force",
            exit_code=ExitCode.REFUSED,
        )
    if not result.ok:
        # The failed upgrade's own exit code, so that scripts can tell its failures apart.
        raise typer.Exit(result.exit_code if 0 < result.exit_code < 256 else ExitCode.ERROR)


@app.command("migration-test")
def migration_test_command(
    stack: StackArg,
    *,
    alembic: AlembicArgs = None,
    seed: Annotated[Path | None, TextFileOption("dev: SQL loaded into the scratch database before the test.")] = None,
    output: Annotated[Literal["text", "json"], typer.Option("--output", "-o", help="text or json.")] = "text",
    markdown: MarkdownOption = None,
    cwd: CwdOption = None,
    url_env: UrlEnvOption = DEFAULT_URL_ENV,
) -> None:
    """Upgrade, downgrade, upgrade each pending revision on a copy of the stack's data; fail on lost data."""
    ctx = context()
    result = migration_test(ctx, stack, _command(ctx, alembic, cwd, url_env), seed=seed)
    if output == "json":
        document(trip_json(result.report, result.database), None)
    else:
        results(result.lines())
    if markdown is not None:
        document(trip_markdown(result.report, result.place), markdown)
    if not result.ok:
        raise typer.Exit(ExitCode.ERROR)
