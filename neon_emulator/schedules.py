"""When a backup schedule takes its snapshots: pure functions of the schedule and the emulator's clock.

All times are UTC. `hourly` fires at every full hour; `daily` at `hour`:00; `weekly` on ISO weekday
`day` (1 = Monday, default 1) at `hour`; `monthly` on `day` (default 1; past the month's end it fires on
its last day) at `hour`; `yearly` on `month`/`day` (default January 1st) at `hour`. `hour` defaults to 0.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from neon_emulator.requests_snapshots import BackupScheduleItem

# A clock jump over years must not take thousands of snapshots at once: only the latest are taken.
MAX_CATCH_UP = 100
_HOUR = 3600.0


def due_times(item: BackupScheduleItem, after: float, until: float) -> list[float]:
    """The moments in (after, until] at which `item` takes a snapshot, oldest first.

    Moments whose snapshot would already have expired at `until` are skipped, and at most the latest
    `MAX_CATCH_UP` are returned.
    """
    if item.retention_seconds is not None:
        after = max(after, until - item.retention_seconds)
    if until <= after:
        return []
    found = [moment for moment in _candidates(item, after, until) if after < moment <= until]
    return found[-MAX_CATCH_UP:]


def _candidates(item: BackupScheduleItem, after: float, until: float) -> Iterator[float]:
    if item.frequency == "hourly":
        start = max(after, until - (MAX_CATCH_UP + 1) * _HOUR)
        moment = (start // _HOUR + 1) * _HOUR
        while moment <= until:
            yield moment
            moment += _HOUR
        return
    first = datetime.fromtimestamp(after, UTC).date()
    last = datetime.fromtimestamp(until, UTC).date()
    for day in _days(item, first, last):
        yield datetime(day.year, day.month, day.day, item.hour or 0, tzinfo=UTC).timestamp()


def _days(item: BackupScheduleItem, first: date, last: date) -> Iterator[date]:
    """The calendar days in [first, last] on which `item` fires."""
    if item.frequency == "daily":
        span = min((last - first).days, MAX_CATCH_UP + 1)
        start = last - timedelta(days=span)
        yield from (start + timedelta(days=n) for n in range(span + 1))
    elif item.frequency == "weekly":
        start = last - timedelta(days=min((last - first).days, 7 * (MAX_CATCH_UP + 1)))
        offset = ((item.day or 1) - start.isoweekday()) % 7
        day = start + timedelta(days=offset)
        while day <= last:
            yield day
            day += timedelta(days=7)
    else:
        for year in range(max(first.year, last.year - MAX_CATCH_UP - 1), last.year + 1):
            months = range(1, 13) if item.frequency == "monthly" else [item.month or 1]
            for month in months:
                day = date(year, month, min(item.day or 1, calendar.monthrange(year, month)[1]))
                if first <= day <= last:
                    yield day
