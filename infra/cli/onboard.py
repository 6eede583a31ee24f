"""`onboard`, `status` and `dev down|reset|destroy`: the developer's own local database."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from infra.cli import app
from infra.cli.console import ConsoleReporter, NotConfirmedError, results, step
from infra.cli.params import TimeoutOption
from infra.config import EngineRequest
from infra.ops.dev import status as devstatus
from infra.ops.dev.deps import OnboardDeps, default_deps
from infra.ops.dev.onboard import OnboardOptions, OnboardResult, onboard
from infra.ops.dev.summary import format_table, onboard_rows
from infra.toolchain.paths import REPO_ROOT

dev = typer.Typer(help="Your local dev database: stop it, reset it, remove it.", no_args_is_help=True)
app.add_typer(dev, name="dev")


class OutputFormat(StrEnum):
    text = "text"
    env = "env"
    json = "json"


def deps() -> OnboardDeps:
    """The real dependencies (tests replace this function)."""
    return default_deps(REPO_ROOT)


EngineArg = Annotated[
    EngineRequest | None, typer.Option("--engine", help="Force an engine (default: the stack file's, auto).")
]
TimeoutArg = TimeoutOption
NoInstallArg = Annotated[bool, typer.Option("--no-install", help="Never install PostgreSQL server binaries (apt-get).")]
OutputArg = Annotated[OutputFormat, typer.Option("--output", "-o", help="text, env or json.")]
ShowSecretsArg = Annotated[bool, typer.Option("--show-secrets", help="Show the real password.")]
YesArg = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


@app.command("onboard")
def onboard_command(engine: EngineArg = None, timeout: TimeoutArg = 60.0, no_install: NoInstallArg = False) -> None:
    """A working local dev database and DATABASE_URL in .env (safe to re-run: it changes nothing)."""
    options = OnboardOptions(engine=engine, timeout=timeout, install=not no_install)
    print_summary(onboard(REPO_ROOT, options, deps(), ConsoleReporter()))


@app.command("status")
def status_command(output: OutputArg = OutputFormat.text, show_secrets: ShowSecretsArg = False) -> None:
    """The dev database's state (the password is masked unless --show-secrets)."""
    status = devstatus.get_status(REPO_ROOT, deps(), show_secrets=show_secrets)
    results(devstatus.render_status(status, output.value))


@dev.command("down")
def down_command() -> None:
    """Stop the dev database; its data is kept (`make onboard` starts it again)."""
    step(devstatus.down(REPO_ROOT, deps()))


@dev.command("reset")
def reset_command(yes: YesArg = False, engine: EngineArg = None, timeout: TimeoutArg = 60.0) -> None:
    """Delete the dev database and its data, then create it again (asks first)."""
    current = deps()
    found = devstatus.removable(REPO_ROOT, current)
    if found.engine is not None and not confirmed("reset", found.describe(), yes):
        raise NotConfirmedError("reset cancelled; nothing was changed")
    options = OnboardOptions(engine=engine, timeout=timeout)
    print_summary(devstatus.reset(REPO_ROOT, found, options, current, ConsoleReporter()))


@dev.command("destroy")
def destroy_command(yes: YesArg = False) -> None:
    """Delete the dev database and its data (asks first)."""
    current = deps()
    found = devstatus.removable(REPO_ROOT, current)
    if found.engine is not None and not confirmed("destroy", found.describe(), yes):
        raise NotConfirmedError("destroy cancelled; nothing was changed")
    step(devstatus.destroy(found, current, ConsoleReporter()))


def confirmed(action: str, description: str, yes: bool) -> bool:
    def ask(prompt: str) -> bool:
        return typer.confirm(prompt, default=False, err=True)

    interactive = sys.stdin.isatty()
    return devstatus.confirm_destructive(action, description, yes=yes, interactive=interactive, ask=ask)


def print_summary(result: OnboardResult) -> None:
    step("your dev database is ready")
    results(format_table(onboard_rows(result)))
