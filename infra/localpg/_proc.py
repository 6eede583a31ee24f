"""Process helpers: run a server command with a clean environment, and tell a live postmaster by pid."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

PROC_ROOT = Path("/proc")

# PG* variables (PGPORT, PGDATA, PGHOST...) from the developer's shell would silently change what
# pg_ctl and libpq talk to; LC_ALL=C keeps server messages in English for the errors we show.
_DROPPED_PREFIXES = ("PG",)


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
    env["LC_ALL"] = "C"
    return env


def run_command(argv: Sequence[str], *, timeout: float, new_session: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a server tool; cwd is / because the server user may not be allowed into ours."""
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env=server_env(),
        cwd="/",
        stdin=subprocess.DEVNULL,
        start_new_session=new_session,
        check=False,
    )


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def is_postmaster(pid: int, data_dir: Path, *, proc_root: Path = PROC_ROOT) -> bool:
    """Whether `pid` is a live postgres server for `data_dir` (not a recycled pid after a reboot).

    Where /proc exists, the postmaster's working directory is its data directory (it chdirs there at
    start), which tells it from any other process that got the same pid. Elsewhere (macOS), fall back
    to the command name via `ps`.
    """
    if not pid_alive(pid):
        return False
    proc = proc_root / str(pid)
    if proc_root.is_dir():
        try:
            argv0 = (proc / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
        except OSError:
            return False
        if not _looks_like_postgres(argv0):
            return False
        try:
            return os.path.samefile(os.readlink(proc / "cwd"), data_dir)
        except OSError:
            return True  # cwd hidden from us; the name matched, which is the best we know
    return _looks_like_postgres(_ps_command(pid))


def _looks_like_postgres(command: str) -> bool:
    name = command.strip().split(" ", 1)[0].rsplit("/", 1)[-1]
    return name.startswith(("postgres", "postmaster"))


def _ps_command(pid: int) -> str:
    try:
        done = subprocess.run(
            ["ps", "-o", "comm=", "-p", str(pid)], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout
