"""Ports for throwaway test servers."""

from __future__ import annotations

import random
from pathlib import Path

from infra.localpg.ports import LOOPBACK, is_port_free

# Outside the kernel's ephemeral range: a port handed out by `bind(0)` is free only until some other
# process gets it the same way (the engine's gRPC listeners, any outgoing connection), and CI saw a
# PostgreSQL lose its port to `pulumi` exactly like that. Ports outside that range are never handed out
# implicitly, so a port found free here stays free until a test server binds it.
_LOWEST = 20_000
_HIGHEST = 65_535
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_DEFAULT_EPHEMERAL_RANGE = (32_768, 60_999)  # Linux's default
_ATTEMPTS = 200
_rng = random.Random()


def ephemeral_range(source: Path = _EPHEMERAL_RANGE) -> tuple[int, int]:
    """The kernel's ephemeral port range (first, last), Linux's default where it cannot be read."""
    try:
        first, last = (int(field) for field in source.read_text().split()[:2])
    except (OSError, ValueError):
        return _DEFAULT_EPHEMERAL_RANGE
    return first, last


def candidate_ports(ephemeral: tuple[int, int]) -> list[int]:
    """The ports a test server may take: from 20000 up, below or above the ephemeral range."""
    first, last = ephemeral
    return [*range(_LOWEST, min(first, _HIGHEST + 1)), *range(max(last + 1, _LOWEST), _HIGHEST + 1)]


def pick_free_port(*, host: str = LOOPBACK, source: Path = _EPHEMERAL_RANGE) -> int:
    """A free port outside the kernel's ephemeral range (see above), never the kernel's own pick."""
    candidates = candidate_ports(ephemeral_range(source))
    if candidates:
        for _ in range(_ATTEMPTS):
            port = _rng.choice(candidates)
            if is_port_free(port, host=host):
                return port
    first, last = ephemeral_range(source)
    raise RuntimeError(f"no free port on {host} from {_LOWEST} up outside the ephemeral range {first}-{last}")
