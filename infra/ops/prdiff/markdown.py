"""Markdown building blocks: safe code spans and table cells, readable values, GitHub's length unit."""

from __future__ import annotations

import json
import re
from typing import Final

from pydantic import JsonValue

from infra.config.plans import human_duration
from infra.ops.prdiff.schedule import describe_schedule

MAX_VALUE_CHARS: Final = 80
_DURATIONS: Final = frozenset({"history_retention_seconds", "suspend_timeout_seconds"})


def github_length(text: str) -> int:
    """Length as GitHub counts it for the comment limit (UTF-16 code units, so an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_value(name: str, value: JsonValue) -> str:
    """A value as a reviewer reads it: `604800 (7 days)`, `true`, `["10.0.0.0/8"]`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(name, value)
    if isinstance(value, str):
        return shorten(value)
    if name == "schedule" and (words := describe_schedule(value)) is not None:
        return shorten(words, 4 * MAX_VALUE_CHARS)
    return shorten(json.dumps(value, sort_keys=True, separators=(",", ":")))


def _number(name: str, value: int | float) -> str:
    number = int(value) if isinstance(value, float) and value.is_integer() else value
    if name in _DURATIONS and isinstance(number, int) and number != 0:
        return "-1 (never)" if number == -1 else f"{number} ({human_duration(number)})"
    return str(number)


def code(text: str, *, in_table: bool = False) -> str:
    """An inline code span that survives backticks (and, in a table, pipes)."""
    text = text.replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    span = f"{fence}{padded}{fence}"
    return span.replace("|", "\\|") if in_table else span


def cell(text: str) -> str:
    """Plain text for a table cell: one line, pipes escaped."""
    return text.replace("\r", " ").replace("\n", " ").replace("|", "\\|")


def fenced(text: str, *, indent: str = "") -> str:
    """A fenced text block (indented under a list item), safe against fences inside `text`."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    lines = [f"{fence}text", *text.splitlines(), fence]
    return "\n".join(indent + line if line else line for line in lines)
