"""`pr-diff` (the pull-request comment and the destructive-change gate) and `drift` (scheduled check).

Exit codes, pr-diff: 0 fine (or acknowledged), 1 error, 3 blocked by the gate, 4 a preview failed.
Exit codes, drift: 0 no drift, 1 error, 5 drift found. The Markdown goes to stdout or --output in
every case except 1, so a workflow can post it before failing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from infra.cli import app
from infra.cli.console import document, note
from infra.cli.params import OutputOption, stack_name
from infra.config import NEON_ENVIRONMENTS
from infra.ops.prdiff.drift import DriftOptions, check_drift
from infra.ops.prdiff.gate import ACK_LABEL
from infra.ops.prdiff.run import PrDiffOptions, parse_sources, pr_diff
from infra.toolchain.paths import REPO_ROOT

StackOption = Annotated[
    list[str], typer.Option("--stack", "-s", parser=stack_name, help="A stack to preview (repeat for several).")
]


@app.command("pr-diff")
def pr_diff_command(
    stack: StackOption = [],  # noqa: B006  # typer reads the default; it is never mutated
    from_: Annotated[
        list[str], typer.Option("--from", help="STACK=FILE: read saved `pulumi preview --json` output instead.")
    ] = [],  # noqa: B006
    acknowledge_destructive: Annotated[
        bool,
        typer.Option(
            "--acknowledge-destructive",
            help=f"Let blocking changes through (the workflow sets it from the `{ACK_LABEL}` label).",
        ),
    ] = False,
    output: OutputOption = None,
) -> None:
    """Preview stacks and render one Markdown PR comment; exit 3 when the destructive-change gate blocks."""
    options = PrDiffOptions(
        stacks=stack, sources=parse_sources(from_), acknowledged=acknowledge_destructive, project_dir=REPO_ROOT
    )
    result = pr_diff(options)
    document(result.markdown, output)
    if result.gate_message:
        note(result.gate_message)
    raise typer.Exit(result.exit_code)


@app.command("drift")
def drift_command(stack: StackOption = [], output: OutputOption = None) -> None:  # noqa: B006
    """Refresh-preview stacks (no state is written) and exit 5 when Neon differs from the last deploy."""
    result = check_drift(DriftOptions(stacks=stack or list(NEON_ENVIRONMENTS), project_dir=REPO_ROOT))
    document(result.markdown, output)
    note(result.summary)
    raise typer.Exit(result.exit_code)
