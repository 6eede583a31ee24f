"""The option types every command shares, validated while the command line is parsed.

A bad value is a usage error (exit 2, one line: `error: Invalid value for '--x': ...`) before any work
starts: before a stack's outputs are read, a Neon call is made or a preview runs. Each parser raises
ValueError with what is allowed (typer turns it into the usage error); nothing here may raise anything
else, whatever the text (the property test in tests/cli/test_params.py drives every option).

New commands reuse these: `StackOption`, `ExpiresInOption`, `AtOption`, `AgoOption`, `BranchOption`,
`OutputOption`, `DirectoryOption`, `TextFileOption`, `TimeoutOption`, `DurationOption`, `CountOption`,
`PercentOption` (never typer's own `min=`/`max=`: its error does not show the value that was refused).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from infra.config import ENVIRONMENTS
from infra.config.names import check_branch_name
from infra.config.plans import MAX_RETENTION_SECONDS
from infra.ops.neon.branches import NEON_MAX_EXPIRY
from infra.ops.times import human, parse_duration, parse_timestamp

MAX_HISTORY = timedelta(seconds=MAX_RETENTION_SECONDS)  # the longest history window any Neon plan keeps
MAX_TIMEOUT_SECONDS = 3_600.0


def stack_name(text: str) -> str:
    if text not in ENVIRONMENTS:
        raise ValueError(f"{text!r} is not a stack; the stacks are {', '.join(ENVIRONMENTS)}")
    return text


def bounded_duration(most: timedelta, why: str) -> Callable[[str], timedelta]:
    """A duration parser that refuses anything longer than `most` (`why` names the limit)."""

    def parse(text: str) -> timedelta:
        value = parse_duration(text)
        if value > most:
            raise ValueError(f"{text!r} is longer than {why} ({human(most)})")
        return value

    return parse


def branch_name(text: str) -> str:
    try:
        return check_branch_name(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a Neon branch name: it {exc}") from None


def writable_file(text: str) -> Path:
    """A file to write: its directory exists and is writable, and it is not a directory itself."""
    path = Path(text)
    parent = path.parent if str(path.parent) else Path(".")
    if not text or path.is_dir():
        raise ValueError(f"{text!r} is a directory, not a file to write")
    if not parent.is_dir():
        raise ValueError(f"cannot write {text!r}: the directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"cannot write {text!r}: permission denied")
    return path


def writable_directory(text: str) -> Path:
    """A directory to write into: it exists and is writable, or it can be created in a writable parent."""
    path = Path(text)
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not text or not existing.is_dir():
        raise ValueError(f"cannot write reports into {text!r}: {str(existing)!r} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write reports into {text!r}: permission denied")
    return path


def text_file(text: str) -> Path:
    """A file to read: it exists and holds UTF-8 text."""
    path = Path(text)
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"cannot read {text!r}: not UTF-8 text") from None
    except (OSError, ValueError) as exc:  # ValueError: a path Python cannot use (a NUL byte)
        raise ValueError(f"cannot read {text!r}: {getattr(exc, 'strerror', None) or exc}") from None
    return path


def _number(text: str) -> float:
    """`text` as a float; NaN (which no bound admits) when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def timeout_seconds(text: str) -> float:
    value = _number(text)
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # NaN and infinities fail too
        raise ValueError(f"{text!r} is not a number of seconds between 0 and {MAX_TIMEOUT_SECONDS:g}")
    return value


def percent(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 100:  # NaN and infinities fail too
        raise ValueError(f"{text!r} is not a percentage between 0 and 100")
    return value


_DIGITS = re.compile(r"[0-9]+")  # int() would also take ' 7', '7_0', '+7' and other scripts' digits


def is_whole_number(text: str) -> bool:
    return _DIGITS.fullmatch(text) is not None


def whole_number(least: int, most: int | None = None) -> Callable[[str], int]:
    """A parser of a whole number from `least` (up to `most`, when given) in plain digits."""
    allowed = f"between {least} and {most}" if most is not None else f"of {least} or more"

    def parse(given: str | int) -> int:
        text = str(given)  # typer passes the default (an int) through the parser too
        try:
            value = int(text) if is_whole_number(text) else None
        except ValueError:  # more digits than Python converts
            value = None
        if value is None or value < least or (most is not None and value > most):
            raise ValueError(f"{text!r} is not a whole number {allowed}")
        return value

    return parse


StackOption = Annotated[
    str, typer.Option("--stack", "-s", parser=stack_name, help="The stack: staging or production (dev where noted).")
]


def DurationOption(most: timedelta, why: str, help_text: str) -> Any:  # named like the option types
    """A DURATION option bounded by `most` (`why` names the limit in the error)."""
    return typer.Option(parser=bounded_duration(most, why), metavar="DURATION", help=help_text)


ExpiresInOption = Annotated[
    timedelta | None,
    DurationOption(
        NEON_MAX_EXPIRY, "Neon keeps a branch that expires", "Backup lifetime: 12h, 7d (default), at most 30d."
    ),
]
AtOption = Annotated[
    datetime | None,
    typer.Option(parser=parse_timestamp, metavar="RFC3339", help="A point in the window: 2026-05-04T14:31:00Z."),
]
AgoOption = Annotated[
    timedelta | None, DurationOption(MAX_HISTORY, "any Neon history window", "A point this long ago: 30m, 6h.")
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", parser=writable_file, help="Write the Markdown here, not to stdout."),
]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", parser=timeout_seconds, help="Seconds to wait for the database to answer.")
]


def CountOption(help_text: str, *, least: int, most: int | None = None, metavar: str = "N") -> Any:
    """A whole-number option from `least` (to `most`); the help text should say the bounds."""
    return typer.Option(parser=whole_number(least, most), metavar=metavar, help=help_text)


def PercentOption(help_text: str) -> Any:
    return typer.Option(parser=percent, metavar="PERCENT", help=help_text)


def BranchOption(help_text: str) -> Any:  # named like the option types above
    return typer.Option(parser=branch_name, metavar="NAME", help=help_text)


def DirectoryOption(help_text: str) -> Any:
    return typer.Option(parser=writable_directory, metavar="DIR", help=help_text)


def TextFileOption(help_text: str) -> Any:
    return typer.Option(parser=text_file, metavar="FILE", help=help_text)
