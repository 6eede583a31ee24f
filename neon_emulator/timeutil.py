"""RFC 3339 timestamps and Neon-style LSNs, computed from epoch seconds supplied by the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime

from neon_emulator.errors import BadRequest
from neon_emulator.validation import LSN_PATTERN

# WAL grows at this rate in the emulator; only ordering and the LSN <-> time mapping matter.
LSN_BYTES_PER_SECOND = 1_000_000
LSN_ORIGIN = 0x0100_0000


def rfc3339(ts: float) -> str:
    """Format epoch seconds as Neon does: UTC, second precision, `Z` suffix."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def month_bounds(ts: float) -> tuple[float, float]:
    """Start and end of the calendar month (UTC) containing `ts`: Neon's consumption period."""
    moment = datetime.fromtimestamp(ts, UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.timestamp(), end.timestamp()


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def parse_lsn(text: str, *, field: str) -> int:
    """`X/Y` with two hex numbers of up to 8 digits (PostgreSQL's 64-bit LSN), else a 400."""
    if not LSN_PATTERN.match(text):
        raise BadRequest(f"{field}: invalid LSN {text!r}, expected the form 0/1A2B3C4")
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def lsn_at(origin: float, ts: float) -> int:
    """The LSN a project (created at `origin`) had reached at time `ts`."""
    return LSN_ORIGIN + int(max(ts - origin, 0.0) * LSN_BYTES_PER_SECOND)


def time_of_lsn(origin: float, lsn: int) -> float:
    return origin + (lsn - LSN_ORIGIN) / LSN_BYTES_PER_SECOND
