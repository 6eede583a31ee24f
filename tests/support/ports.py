"""Ports for throwaway test servers."""

from __future__ import annotations

import random
import socket
from pathlib import Path

from infra.localpg.ports import LOOPBACK, is_port_free

# Below the kernel's ephemeral range: a port handed out by `bind(0)` is free only until some other
# process gets it the same way (the engine's gRPC listeners, any outgoing connection), and CI saw a
# PostgreSQL lose its port to `pulumi` exactly like that. Ports outside that range are never handed out
# implicitly, so a port found free here stays free until a test server binds it.
_LOWEST = 20_000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_DEFAULT_EPHEMERAL_START = 32_768  # Linux's default
_rng = random.Random()


def _ephemeral_start() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _DEFAULT_EPHEMERAL_START


def pick_free_port(*, host: str = LOOPBACK) -> int:
    """A free port outside the kernel's ephemeral range (see above); the kernel's pick as a last resort."""
    top = _ephemeral_start() - 1
    if top > _LOWEST:
        for _ in range(200):
            port = _rng.randint(_LOWEST, top)
            if is_port_free(port, host=host):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        found: int = probe.getsockname()[1]
        return found
