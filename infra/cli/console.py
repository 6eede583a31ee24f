"""The one place output goes: progress and diagnostics on stderr, results on stdout."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

# Deterministic output: no markup or highlighting surprises in logs and tests.
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def step(message: str) -> None:
    err.print(f"[bold]==>[/bold] {message}", markup=True)


def note(message: str) -> None:
    err.print(message, markup=False)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/bold red] {message}", markup=True)
    raise typer.Exit(code)
