"""`workshelf-infra:release` — when releases may run: a low-traffic window in the team's own time zone.

    release:
      window: Mon-Fri 01:00-05:00 Europe/Berlin

Days are `Mon`..`Sun`, as a list (`Mon,Wed,Fri`), ranges (`Mon-Fri`, `Fri-Mon` wraps) or `daily`; the
times are wall-clock times in the IANA zone (`zoneinfo`), so a window stays at 01:00 across daylight
saving changes. A window that ends before it starts runs past midnight (`Sat 22:00-02:00` is Saturday
22:00 to Sunday 02:00) and belongs to the day it starts on. The text is validated when the stack file is
read, before any API call.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FORMAT: Final = "`<days> HH:MM-HH:MM <IANA zone>`, e.g. `Mon-Fri 01:00-05:00 Europe/Berlin`"
_SHAPE = re.compile(r"^(?P<days>\S+)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})\s+(?P<zone>\S+)$")


class ReleaseWindow(BaseModel):
    """A weekly window: `days` (0 = Monday) on which it opens, from `start` to `end` in `zone`."""

    model_config = ConfigDict(frozen=True)

    text: str
    days: frozenset[int]
    start: time
    length: timedelta  # up to a whole day; past midnight when start + length crosses it
    zone: str

    @classmethod
    def parse(cls, text: str) -> ReleaseWindow:
        shape = _SHAPE.match(text.strip())
        if shape is None:
            raise ValueError(f"must look like {FORMAT}")
        start, end = _minutes(shape["start"]), _minutes(shape["end"])
        if start in (end, 24 * 60):
            raise ValueError(f"{shape['start']}-{shape['end']} is an empty window; allowed: {FORMAT}")
        zone = shape["zone"]
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"`{zone}` is not an IANA time zone (e.g. Europe/Berlin, UTC)") from None
        return cls(
            text=" ".join(text.split()),
            days=_days(shape["days"]),
            start=time(start // 60, start % 60),
            length=timedelta(minutes=(end - start) % (24 * 60) or 24 * 60),
            zone=zone,
        )

    def opening(self, moment: datetime) -> datetime | None:
        """When the window containing `moment` opened (in the window's zone), or None outside any window."""
        zone = ZoneInfo(self.zone)
        local = moment.astimezone(zone)
        for back in (0, 1):  # a window past midnight began the day before
            day = local.date() - timedelta(days=back)
            opened = datetime.combine(day, self.start, zone)
            # Same tzinfo: arithmetic and comparison are on wall-clock time, which is what the window means.
            if day.weekday() in self.days and opened <= local < opened + self.length:
                return opened
        return None

    def contains(self, moment: datetime) -> bool:
        return self.opening(moment) is not None

    def next_opening(self, moment: datetime) -> datetime:
        local = moment.astimezone(ZoneInfo(self.zone))
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            opens = datetime.combine(day, self.start, ZoneInfo(self.zone))
            if day.weekday() in self.days and opens > local:
                return opens
        raise ValueError("unreachable: a window has at least one day")  # pragma: no cover


def _minutes(text: str) -> int:
    """Minutes after midnight; `24:00` (midnight at the end of the day) is allowed as an end."""
    hours, minutes = (int(part) for part in text.split(":"))
    if (hours, minutes) != (24, 0) and (hours > 23 or minutes > 59):
        raise ValueError(f"`{text}` is not a time of day (00:00..23:59, or 24:00 as an end)")
    return hours * 60 + minutes


def _days(text: str) -> frozenset[int]:
    if text.lower() == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for item in text.split(","):
        first, _, last = item.lower().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"`{item}` is not a day or a range of days; allowed: Mon..Sun, Mon-Fri, Sat,Sun or daily")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(days)


def _window(value: object) -> object:
    if isinstance(value, ReleaseWindow):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be text like {FORMAT}")
    return ReleaseWindow.parse(value)


WindowText = Annotated[
    ReleaseWindow, BeforeValidator(_window), PlainSerializer(lambda w: w.text, return_type=str, when_used="json")
]
