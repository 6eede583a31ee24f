"""The one place output goes: results on stdout; progress, warnings and errors on stderr.

Everything the CLI prints passes through here, so these rules hold for every command:

- Text is printed literally. Messages carry names and values that came from the user or from Neon
  (branch names, API messages, file paths); Rich never interprets them as markup or emoji codes. Only
  the fixed prefixes (`==>`, `error:`) are styled, as separate segments.
- Progress and errors are masked (a password inside any `scheme://user:password@` URI becomes `****`).
  Results on stdout are not: `status --show-secrets` prints the real URL because it was asked to.
- One error handler (`ConsoleGroup`) wraps every command: an expected error (`WorkshelfError`) becomes
  `error: <message>` plus its hint and exits with its `exit_code`; never a Python traceback.
- A bad option or argument (unknown option, a value its type in `infra/cli/params.py` refuses) is one
  line, `error: <what is wrong>`, exit code 2: the values in it are the user's, shown literally.
- SIGTERM (a cancelled CI job) is treated like Ctrl-C, so that `finally` blocks run: throwaway
  branches are deleted and child processes are stopped. Both exit with code 1 (click's `Aborted!`).
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup
from typer.exceptions import Abort

from infra.errors import WorkshelfError
from infra.masking import mask_uri_passwords

__all__ = [
    "ConsoleGroup",
    "ConsoleReporter",
    "NotConfirmedError",
    "document",
    "err",
    "handled",
    "note",
    "out",
    "results",
    "step",
]

# Literal output: no markup, no emoji codes, no highlighting, no wrapping of long lines.
err = Console(stderr=True, markup=False, emoji=False, highlight=False, soft_wrap=True)
out = Console(markup=False, emoji=False, highlight=False, soft_wrap=True)


class NotConfirmedError(WorkshelfError):
    """A destructive command was not confirmed (declined, or no `--yes` where nobody can answer)."""


def step(message: str) -> None:
    err.print(Text.assemble(("==>", "bold"), " ", mask_uri_passwords(message)))


def note(message: str) -> None:
    err.print(Text(mask_uri_passwords(message)))


def error(exc: WorkshelfError) -> None:
    err.print(Text.assemble(("error:", "bold red"), " ", mask_uri_passwords(str(exc))))


def results(lines: list[str] | str) -> None:
    """Results on stdout, as they are (the caller decides what may be shown)."""
    for line in [lines] if isinstance(lines, str) else lines:
        out.print(Text(line))


def document(text: str, output: Path | None) -> None:
    """A whole document (a PR comment), byte for byte, to stdout or to `output`."""
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


class ConsoleReporter:
    """The `infra.ops.reporter.Reporter` of the CLI: steps and notes on stderr, a spinner when it is a terminal."""

    def step(self, message: str) -> None:
        step(message)

    def note(self, message: str) -> None:
        note(message)

    def output(self, line: str) -> None:
        """A line of a child command's output (already masked by the workflow with its known secrets)."""
        note(f"  | {line}")

    @contextmanager
    def working(self, message: str) -> Iterator[None]:
        with err.status(Text(mask_uri_passwords(message))):
            yield


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def handled() -> Iterator[None]:
    """The single error handler: expected errors become one message and their exit code."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    except WorkshelfError as exc:
        error(exc)
        raise typer.Exit(exc.exit_code) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def usage_error(exc: ClickException) -> None:
    """One line: typer's message (`Invalid value for '--x': ...`), control characters escaped."""
    message = exc.format_message().replace("Value error, ", "")
    message = _CONTROL.sub(lambda m: repr(m.group())[1:-1], message)
    err.print(Text.assemble(("error:", "bold red"), " ", message))


class ConsoleGroup(TyperGroup):
    """The command group of `workshelf-infra`: every command runs inside `handled()`, and usage errors are
    one line (typer's own rendering is a multi-line panel)."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        with handled():
            return super().invoke(ctx)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        extra["windows_expand_args"] = windows_expand_args
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except ClickException as exc:
            usage_error(exc)
            sys.exit(exc.exit_code)
        except Abort:
            err.print("Aborted!")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
