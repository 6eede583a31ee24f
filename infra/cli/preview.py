"""`python -m infra preview create|delete|list|prune`: a database branch per pull request (staging).

Bodies parse options and delegate to `infra/ops/preview`; the README's "Pull-request branches" section
and `.github/workflows/db-preview.yml` use them.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer

from infra.cli import app, safety
from infra.cli.console import results
from infra.cli.params import CountOption, DurationOption, is_whole_number
from infra.ops.neon.branches import NEON_MAX_EXPIRY
from infra.ops.preview import workflow

preview = typer.Typer(help="A database branch per pull request: preview/pr-<N> of staging.", no_args_is_help=True)
app.add_typer(preview, name="preview")


class CreateOutput(StrEnum):
    text = "text"
    json = "json"
    env = "env"


class ListOutput(StrEnum):
    text = "text"
    json = "json"


def parse_open(text: str) -> frozenset[int]:
    """`12,15 17` -> {12, 15, 17}; empty: no pull request is open."""
    numbers = [part for part in text.replace(" ", ",").split(",") if part]
    bad = [n for n in numbers if not is_whole_number(n) or int(n) < 1]
    if bad:
        raise ValueError(f"{', '.join(bad)} is not a pull request number; e.g. --open 12,15")
    return frozenset(int(n) for n in numbers)


PrArg = Annotated[int, CountOption("The pull request's number (1 or more).", least=1)]
PreviewStack = Annotated[
    str, typer.Option("--stack", "-s", help="The stack to branch (staging; production is refused).")
]


@preview.command("create")
def create_command(
    pr: PrArg,
    stack: PreviewStack = "staging",
    expires_in: Annotated[
        timedelta | None,
        DurationOption(
            NEON_MAX_EXPIRY, "Neon keeps a branch that expires", "Lifetime from now: 3d (default), at most 30d."
        ),
    ] = None,
    keep_data: Annotated[bool, typer.Option("--keep-data", help="Do not reset an existing preview's data.")] = False,
    output: Annotated[
        CreateOutput, typer.Option("--output", "-o", help="text, json, or env (the only one with DATABASE_URL).")
    ] = CreateOutput.text,
) -> None:
    """Create preview/pr-N, or reset it to the parent's current data (every push); print branch and expiry."""
    created = workflow.create_preview(
        safety.context(), stack, pr, expires_in=expires_in, keep_data=keep_data, with_url=output is CreateOutput.env
    )
    if output is CreateOutput.json:
        results(created.as_json())
    elif output is CreateOutput.env:
        results(created.env_lines())
    else:
        results(created.lines())


@preview.command("delete")
def delete_command(pr: PrArg, stack: PreviewStack = "staging") -> None:
    """Delete preview/pr-N (already deleted is success)."""
    results(workflow.delete_one(safety.context(), stack, pr).lines())


@preview.command("list")
def list_command(
    stack: PreviewStack = "staging",
    output: Annotated[ListOutput, typer.Option("--output", "-o", help="text or json.")] = ListOutput.text,
) -> None:
    """The previews: pull request, branch, age, expiry, compute state."""
    listed = workflow.list_all(safety.context(), stack)
    results(listed.as_json() if output is ListOutput.json else listed.lines())


@preview.command("prune")
def prune_command(
    open_prs: Annotated[
        frozenset[int],
        typer.Option("--open", parser=parse_open, metavar="PR,PR,...", help="The open pull requests ('' for none)."),
    ],
    stack: PreviewStack = "staging",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be deleted.")] = False,
) -> None:
    """Delete the previews of pull requests that are not listed in --open."""
    results(workflow.prune(safety.context(), stack, open_prs, dry_run=dry_run).lines())
