"""Durations (`7d`, `12h`, `1h30m`), RFC3339 timestamps, and the clock the workflows read."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_PART = re.compile(r"([0-9]+)([smhdw])")
_WHOLE = re.compile(r"^(?:[0-9]+[smhdw])+$")
# Longer than anything a command takes (options bound themselves further); keeps timedelta from overflowing.
MAX_DURATION = timedelta(days=36_500)


class Clock(Protocol):
    """Wall time (epoch seconds) and a monotonic timer; tests pass a FakeClock."""

    def time(self) -> float: ...

    def monotonic(self) -> float: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


def parse_duration(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `45s`, `2w` or combinations such as `1h30m`; never zero."""
    compact = text.strip().lower().replace(" ", "")
    if len(compact) > 64 or not _WHOLE.match(compact):
        raise ValueError(f"{text!r} is not a duration: use a number and a unit, e.g. 7d, 12h, 30m, 1h30m")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(compact))
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{text!r} is too long: at most {human(MAX_DURATION)}")
    return timedelta(seconds=seconds)


def parse_timestamp(text: str) -> datetime:
    """An RFC3339 timestamp with a zone (`2026-01-01T12:00:00Z`, `...+02:00`), returned in UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an RFC3339 timestamp such as 2026-01-01T12:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z (UTC) or an offset such as +02:00")
    try:
        utc = moment.astimezone(UTC)
        utc.timestamp()
    except (OverflowError, ValueError, OSError):
        raise ValueError(f"{text!r} is out of range: give a time between years 1 and 9999 in UTC") from None
    return utc


def at(seconds: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


def rfc3339(moment: datetime) -> str:
    """`2026-01-01T12:00:00Z` (whole seconds, UTC): for messages, commands and reports."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: datetime) -> str:
    """`20260101T120000Z`: for branch names and file names."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def human(delta: timedelta) -> str:
    """`7d`, `12h`, `1h30m`, `45s`: the inverse of parse_duration, for messages."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


class Stopwatch:
    """Times named steps on an injectable monotonic clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._started = clock.monotonic()

    def lap(self) -> float:
        now = self._clock.monotonic()
        elapsed, self._started = now - self._started, now
        return round(elapsed, 3)
