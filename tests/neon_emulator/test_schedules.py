"""When a backup schedule fires: `due_times` over (after, until], as a table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from neon_emulator.requests_snapshots import BackupScheduleItem
from neon_emulator.schedules import MAX_CATCH_UP, due_times


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _iso(moments: list[float]) -> list[str]:
    return [datetime.fromtimestamp(m, UTC).strftime("%Y-%m-%dT%H:%M") for m in moments]


@pytest.mark.parametrize(
    ("item", "after", "until", "expected"),
    [
        (
            {"frequency": "hourly"},
            "2026-01-01T00:30",
            "2026-01-01T03:00",
            ["2026-01-01T01:00", "2026-01-01T02:00", "2026-01-01T03:00"],
        ),
        (
            {"frequency": "hourly", "hour": 5},
            "2026-01-01T00:00",
            "2026-01-01T01:00",
            ["2026-01-01T01:00"],
        ),  # hour ignored
        ({"frequency": "daily"}, "2026-01-01T00:00", "2026-01-03T00:00", ["2026-01-02T00:00", "2026-01-03T00:00"]),
        ({"frequency": "daily", "hour": 23}, "2026-01-01T23:00", "2026-01-02T22:59", []),
        (
            {"frequency": "weekly"},
            "2026-01-01T00:00",
            "2026-01-20T00:00",
            ["2026-01-05T00:00", "2026-01-12T00:00", "2026-01-19T00:00"],
        ),
        (
            {"frequency": "weekly", "day": 7, "hour": 4},
            "2026-01-01T00:00",
            "2026-01-11T04:00",
            ["2026-01-04T04:00", "2026-01-11T04:00"],
        ),
        (
            {"frequency": "monthly", "day": 30},
            "2026-01-31T00:00",
            "2026-03-30T00:00",
            ["2026-02-28T00:00", "2026-03-30T00:00"],
        ),
        ({"frequency": "monthly"}, "2026-01-01T00:00", "2026-01-01T00:00", []),
        (
            {"frequency": "yearly", "month": 2, "day": 29},
            "2027-01-01T00:00",
            "2028-12-31T00:00",
            ["2027-02-28T00:00", "2028-02-29T00:00"],
        ),
        ({"frequency": "yearly"}, "2026-01-01T00:00", "2028-01-01T00:00", ["2027-01-01T00:00", "2028-01-01T00:00"]),
        (
            {"frequency": "daily", "retention_seconds": 2 * 86_400},
            "2026-01-01T00:00",
            "2026-01-10T00:00",
            ["2026-01-09T00:00", "2026-01-10T00:00"],
        ),
    ],
)
def test_due_times(item: dict[str, Any], after: str, until: str, expected: list[str]) -> None:
    assert _iso(due_times(BackupScheduleItem(**item), _ts(after), _ts(until))) == expected


@pytest.mark.parametrize("frequency", ["hourly", "daily", "weekly", "monthly", "yearly"])
def test_due_times__a_clock_jump_takes_only_the_latest(frequency: str) -> None:
    item = BackupScheduleItem(frequency=frequency)  # type: ignore[arg-type]
    moments = due_times(item, _ts("1970-01-02T00:00"), _ts("2600-01-01T00:00"))
    assert len(moments) == MAX_CATCH_UP
    assert moments == sorted(moments)
    assert moments[-1] <= _ts("2600-01-01T00:00")
