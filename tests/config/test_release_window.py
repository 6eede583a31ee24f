"""`release.window`: parsed and validated with the stack file; inside or outside on wall-clock time in
its zone (daylight saving included), across midnight and across the end of the week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.config import settings_from_stack_file
from infra.config.release import ReleaseWindow
from tests.support.pulumi_project import REPO


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_production_declares_its_window() -> None:
    window = settings_from_stack_file(REPO, "production").release.window
    assert window is not None
    assert (window.text, sorted(window.days), window.zone) == (
        "Mon-Fri 01:00-05:00 Europe/Berlin",
        [0, 1, 2, 3, 4],
        "Europe/Berlin",
    )
    assert settings_from_stack_file(REPO, "staging").release.window is None


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-01-05T00:00:00", True),  # Monday 01:00 in Berlin (UTC+1): opens
        ("2026-01-04T23:59:59", False),  # Monday 00:59:59 in Berlin
        ("2026-01-05T03:59:59", True),
        ("2026-01-05T04:00:00", False),  # 05:00 in Berlin: closed
        ("2026-01-10T01:00:00", False),  # Saturday
        ("2026-07-06T23:00:00", True),  # Tuesday 01:00 in summer (UTC+2)
        ("2026-07-06T03:00:00", False),  # Monday 05:00 in summer: closed
    ],
)
def test_contains__wall_clock_time_in_the_zone(moment: str, inside: bool) -> None:
    window = ReleaseWindow.parse("Mon-Fri 01:00-05:00 Europe/Berlin")
    assert window.contains(utc(moment)) is inside


def test_daylight_saving__the_window_stays_at_local_time() -> None:
    window = ReleaseWindow.parse("daily 01:00-02:00 Europe/Berlin")
    assert window.contains(utc("2026-03-28T00:30:00"))  # winter: 01:30 local
    assert not window.contains(utc("2026-03-30T00:30:00"))  # summer: 02:30 local
    assert window.contains(utc("2026-03-29T23:30:00"))  # Monday 01:30 summer time


def test_past_midnight_belongs_to_the_day_it_starts_on() -> None:
    window = ReleaseWindow.parse("Sat 22:00-02:00 UTC")
    assert window.contains(utc("2026-01-03T23:00:00"))  # Saturday 23:00
    assert window.contains(utc("2026-01-04T01:59:00"))  # Sunday 01:59, still Saturday's window
    assert not window.contains(utc("2026-01-04T22:30:00"))  # Sunday 22:30
    assert not window.contains(utc("2026-01-03T01:00:00"))  # Saturday 01:00: Friday has no window


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Fri-Mon 01:00-02:00 UTC", [0, 4, 5, 6]),
        ("sat,SUN 01:00-02:00 UTC", [5, 6]),
        ("Mon,Wed-Thu 01:00-02:00 UTC", [0, 2, 3]),
        ("daily 00:00-24:00 UTC", [0, 1, 2, 3, 4, 5, 6]),
    ],
)
def test_days(text: str, days: list[int]) -> None:
    assert sorted(ReleaseWindow.parse(text).days) == days


def test_a_whole_day_and_the_next_opening() -> None:
    always = ReleaseWindow.parse("daily 00:00-24:00 UTC")
    assert always.length == timedelta(days=1)
    assert always.contains(utc("2026-01-01T23:59:59"))
    weekdays = ReleaseWindow.parse("Mon-Fri 01:00-05:00 Europe/Berlin")
    assert weekdays.next_opening(utc("2026-01-03T12:00:00")) == utc("2026-01-05T00:00:00")
    assert weekdays.next_opening(utc("2026-01-05T00:30:00")) == utc("2026-01-06T00:00:00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mon-Fri 01:00 Europe/Berlin", "must look like `<days> HH:MM-HH:MM <IANA zone>`"),
        ("Xyz 01:00-02:00 UTC", "`Xyz` is not a day or a range of days"),
        ("Mon 01:00-01:00 UTC", "01:00-01:00 is an empty window"),
        ("Mon 24:00-02:00 UTC", "24:00-02:00 is an empty window"),
        ("Mon 23:60-02:00 UTC", "`23:60` is not a time of day"),
        ("Mon 01:00-02:00 Europe/Atlantis", "`Europe/Atlantis` is not an IANA time zone"),
        ("Mon 01:00-02:00 ../../etc/passwd", "is not an IANA time zone"),
    ],
)
def test_bad_windows(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("`", "`")):
        ReleaseWindow.parse(text)
