"""Neon's rules for single input values, as annotated pydantic types shared by request bodies and queries.

Sources: Neon's OpenAPI definition (lengths, ranges, id patterns), PostgreSQL (identifiers are at most
63 bytes and cannot hold NUL; role names starting with `pg_` are reserved), Neon's IP Allow docs
(single addresses, `a-b` ranges and CIDR blocks, IPv4 or IPv6) and what Neon answers to names holding
control characters or `.`/`..` path segments (it refuses them). A rule that fails raises `ValueError`,
which pydantic turns into a 400 naming the field.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

MAX_PG_NAME_BYTES = 63
MAX_BRANCH_NAME = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LSN_PATTERN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")


def check_name_text(value: str) -> str:
    """Names Neon refuses whatever the object: control characters, and `.`/`..` path segments."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (NUL, newline, tab, ...)")
    if any(segment in (".", "..") for segment in value.split("/")):
        raise ValueError("must not contain '.' or '..' path segments")
    return value


def check_pg_identifier(value: str) -> str:
    check_name_text(value)
    if len(value.encode()) > MAX_PG_NAME_BYTES:
        raise ValueError(f"must be at most {MAX_PG_NAME_BYTES} bytes")
    return value


def check_role_name(value: str) -> str:
    check_pg_identifier(value)
    if value.startswith("pg_"):
        raise ValueError("role names starting with 'pg_' are reserved by PostgreSQL")
    return value


def check_ip_entry(value: str) -> str:
    """One IP Allow entry: an address, a CIDR block or an `a-b` range of one IP version."""
    text = value.strip()
    try:
        if "-" in text:
            first, _, last = text.partition("-")
            start, end = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
            if start.version != end.version or start > end:  # type: ignore[operator]
                raise ValueError(value)
        elif "/" in text:
            ipaddress.ip_network(text, strict=False)
        else:
            ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IP address, CIDR block (e.g. 203.0.113.0/24) or range (e.g. 203.0.113.1-203.0.113.9)"
        ) from None
    return value


def _utc(value: datetime) -> datetime:
    """The moment in UTC; a time whose UTC form leaves years 1-9999 is refused instead of overflowing."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("timestamp is out of range once converted to UTC") from None


def check_lsn(value: str) -> str:
    if not LSN_PATTERN.match(value):
        raise ValueError(f"invalid LSN {value!r}, expected the form 0/1A2B3C4 (two hex numbers of up to 8 digits)")
    return value


BranchName = Annotated[str, Field(min_length=1, max_length=MAX_BRANCH_NAME), AfterValidator(check_name_text)]
PgName = Annotated[str, Field(min_length=1), AfterValidator(check_pg_identifier)]
RoleName = Annotated[str, Field(min_length=1), AfterValidator(check_role_name)]
Timestamp = Annotated[AwareDatetime, AfterValidator(_utc)]
Lsn = Annotated[str, AfterValidator(check_lsn)]
IpEntry = Annotated[str, AfterValidator(check_ip_entry)]
ResourceId = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,60}$")]
