"""IP allow-list entries as Neon takes them (an address, a CIDR block, or an `a-b` range of one IP version),
and whether a list lets every address in (`0.0.0.0/0`, `::/0`, `0.0.0.0/1` with `128.0.0.0/1`, ...)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

__all__ = ["check_ip_entry", "open_to_all"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(entry: str) -> Iterator[_Network]:
    text = entry.strip()
    if "-" in text:
        first, _, last = text.partition("-")
        start, end = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
        if start.version != end.version or start > end:  # type: ignore[operator]
            raise ValueError(entry)
        yield from ipaddress.summarize_address_range(start, end)
    else:
        yield ipaddress.ip_network(text, strict=False)


def check_ip_entry(entry: str) -> str:
    try:
        list(_networks(entry))
    except ValueError:
        raise ValueError(
            f"`{entry}` is not an IP address, CIDR range (e.g. 203.0.113.0/24) or range (e.g. 203.0.113.1-203.0.113.9)"
        ) from None
    return entry


def open_to_all(entries: Iterable[str]) -> bool:
    """Whether the entries together cover every IPv4 or every IPv6 address."""
    networks = [network for entry in entries for network in _networks(entry)]
    for version, everything in ((4, ipaddress.ip_network("0.0.0.0/0")), (6, ipaddress.ip_network("::/0"))):
        same = [n for n in networks if n.version == version]
        if list(ipaddress.collapse_addresses(same)) == [everything]:  # type: ignore[type-var]
            return True
    return False
