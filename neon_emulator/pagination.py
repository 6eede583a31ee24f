"""Cursor pagination over in-memory lists: the cursor encodes the sort key of the last item returned."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from neon_emulator.errors import BadRequest

T = TypeVar("T")
Key = tuple[str | float | int, ...]


def encode_cursor(tag: str, key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps([tag, *key]).encode()).decode().rstrip("=")


def decode_cursor(tag: str, cursor: str) -> Key:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("invalid cursor") from None
    if not isinstance(decoded, list) or not decoded or decoded[0] != tag:
        raise BadRequest("invalid cursor: it belongs to another listing or sort order")
    return tuple(decoded[1:])


def check_limit(limit: int | None, maximum: int) -> None:
    if limit is not None and not 1 <= limit <= maximum:
        raise BadRequest(f"limit must be between 1 and {maximum}")


def page(
    items: Sequence[T],
    key: Callable[[T], Key],
    *,
    tag: str,
    descending: bool,
    cursor: str | None,
    limit: int | None,
) -> tuple[list[T], str | None, bool]:
    """Sort, skip past `cursor`, cut to `limit`: (page, cursor of its last item, whether more follow)."""
    ordered = sorted(items, key=key, reverse=descending)
    if cursor:
        after = decode_cursor(tag, cursor)
        try:
            ordered = [item for item in ordered if (key(item) < after if descending else key(item) > after)]
        except TypeError:
            raise BadRequest("invalid cursor") from None
    chosen = ordered if limit is None else ordered[:limit]
    more = len(chosen) < len(ordered)
    last = encode_cursor(tag, key(chosen[-1])) if chosen else None
    return chosen, last, more
