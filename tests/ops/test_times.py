"""Durations and timestamps as the commands accept them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.ops.times import human, parse_duration, parse_timestamp, rfc3339, stamp


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("7d", 604_800),
        ("12h", 43_200),
        ("30m", 1_800),
        ("45s", 45),
        ("2w", 1_209_600),
        ("1h30m", 5_400),
        (" 1D ", 86_400),
    ],
)
def test_parse_duration__units(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["7", "d", "7 days", "-1h", "1.5h", "", "0h", "1h0"])
def test_parse_duration__rejects_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_parse_timestamp__z_and_offsets_become_utc() -> None:
    assert parse_timestamp("2026-01-01T12:00:00Z") == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert parse_timestamp("2026-01-01T14:00:00+02:00") == datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_parse_timestamp__refuses_naive_and_garbage() -> None:
    with pytest.raises(ValueError, match="no time zone: add Z"):
        parse_timestamp("2026-01-01T12:00:00")
    with pytest.raises(ValueError, match="not an RFC3339 timestamp"):
        parse_timestamp("yesterday")


def test_formats() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)
    assert rfc3339(moment) == "2026-03-04T05:06:07Z"
    assert stamp(moment) == "20260304T050607Z"
    assert human(timedelta(days=7)) == "7d"
    assert human(timedelta(hours=1, minutes=30)) == "1h30m"
