"""Ports for throwaway test servers."""

from __future__ import annotations

import socket

from infra.localpg.ports import LOOPBACK


def pick_free_port(*, host: str = LOOPBACK) -> int:
    """A port the kernel just found free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port
