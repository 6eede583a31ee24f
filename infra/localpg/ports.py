"""Loopback port helpers: is a port free, who holds it (when cheap to know), which one to use instead."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict

__all__ = [
    "PortHolder",
    "describe_port_conflict",
    "is_port_free",
    "next_free_port",
    "port_holder",
]

LOOPBACK = "127.0.0.1"
_MAX_PORT = 65535
_TCP_LISTEN = "0A"
_LSOF_TIMEOUT_S = 3.0


class PortHolder(BaseModel):
    """The process listening on a port; `command` is its name (never its arguments)."""

    model_config = ConfigDict(frozen=True)

    pid: int
    command: str


def is_port_free(port: int, *, host: str = LOOPBACK) -> bool:
    """Whether a server could bind `host:port` now, as PostgreSQL binds it (with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def next_free_port(start: int, *, host: str = LOOPBACK, attempts: int = 100) -> int | None:
    """The first free port from `start` upwards (at most `attempts` tried), or None."""
    for port in range(start, min(start + attempts, _MAX_PORT + 1)):
        if is_port_free(port, host=host):
            return port
    return None


def port_holder(port: int, *, proc_root: Path = Path("/proc")) -> PortHolder | None:
    """Who listens on TCP `port`: from /proc on Linux, `lsof` elsewhere; None when not knowable."""
    if (proc_root / "net" / "tcp").exists():
        return _holder_from_proc(port, proc_root)
    if sys.platform != "win32" and shutil.which("lsof"):
        return _holder_from_lsof(port)
    return None


def describe_port_conflict(port: int, *, host: str = LOOPBACK) -> str | None:
    """A sentence saying the port is taken, by whom, and what to do; None when it is free."""
    if is_port_free(port, host=host):
        return None
    holder = port_holder(port)
    who = f"pid {holder.pid} ({holder.command})" if holder else "another process"
    alternative = next_free_port(port + 1, host=host)
    instead = f", or use port {alternative}, which is free" if alternative else ""
    return f"Port {port} on {host} is already in use by {who}: stop it{instead}."


def _holder_from_proc(port: int, proc_root: Path) -> PortHolder | None:
    inodes = _listening_inodes(port, proc_root)
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for proc in proc_root.iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in targets:
                        return PortHolder(pid=int(proc.name), command=_proc_command(proc))
    return None


def _listening_inodes(port: int, proc_root: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (proc_root / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 9 and fields[3] == _TCP_LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    return inodes


def _proc_command(proc: Path) -> str:
    # The name only: a full command line may carry a password, and this text ends up in errors.
    with contextlib.suppress(OSError):
        return (proc / "comm").read_text().strip() or "?"
    return "?"


def _holder_from_lsof(port: int) -> PortHolder | None:
    try:
        done = subprocess.run(
            ["lsof", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN", "-Fpc"],
            capture_output=True,
            text=True,
            timeout=_LSOF_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    pid: int | None = None
    for line in done.stdout.splitlines():
        if line.startswith("p") and line[1:].isdigit():
            pid = int(line[1:])
        elif line.startswith("c") and pid is not None:
            return PortHolder(pid=pid, command=line[1:])
    return None
