"""`python -m infra health --stack S [-o text|json] [--wake]`: a Neon stack's health, judged by the
thresholds in its stack file's `monitoring:` section. Exit 0 ok, 6 warning, 7 critical (the JSON and
the text are printed in every case, so that the alert workflow can post them)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from infra.cli import app
from infra.cli.console import ConsoleReporter, results
from infra.cli.safety import StackArg
from infra.ops.health.run import HealthContext, default_context, run_health
from infra.toolchain.paths import REPO_ROOT


class Output(StrEnum):
    text = "text"
    json = "json"


def context() -> HealthContext:
    """The real dependencies (tests replace this function)."""
    return default_context(REPO_ROOT, ConsoleReporter())


@app.command("health")
def health_command(
    stack: StackArg,
    output: Annotated[Output, typer.Option("--output", "-o", help="text or json.")] = Output.text,
    wake: Annotated[bool, typer.Option("--wake", help="Probe the database even if its compute is idle.")] = False,
) -> None:
    """Check a Neon stack (connection, slow statements, sessions, deadlocks, connections, branches,
    Neon's operations, declared retention and protection, drills, snapshots); exit 0, 6 or 7."""
    report = run_health(context(), stack, wake=wake)
    results(report.to_json() if output is Output.json else report.lines())
    raise typer.Exit(report.exit_code)
