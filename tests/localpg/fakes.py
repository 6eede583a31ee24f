"""Fake PostgreSQL install trees and data directories for unit tests (no server runs)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from infra.localpg.binaries import REQUIRED_TOOLS
from infra.localpg.datadir import MARKER_NAME


def make_bindir(bindir: Path, *, version: str = "15.4", tools: Iterable[str] = REQUIRED_TOOLS) -> Path:
    """Executable stand-ins for the server tools; `pg_ctl --version` prints like the real one."""
    bindir.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        script = bindir / tool
        if tool == "pg_ctl":
            script.write_text(f'#!/bin/sh\necho "pg_ctl (PostgreSQL) {version}"\n')
        else:
            script.write_text("#!/bin/sh\nexit 0\n")
        script.chmod(0o755)
    return bindir


def make_pg_config(directory: Path, bindir: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "pg_config"
    script.write_text(f'#!/bin/sh\n[ "$1" = "--bindir" ] && echo "{bindir}"\n')
    script.chmod(0o755)
    return script


def marker_json(*, major: int = 15, port: int = 5432, superuser: str = "admin", socket_dir: Path) -> str:
    # As markers were first written, with a `port` that is no longer recorded: they must still read.
    return json.dumps(
        {
            "tool": "workshelf-infra",
            "format": 1,
            "major": major,
            "port": port,
            "owner": "postgres",
            "superuser": superuser,
            "socket_dir": str(socket_dir),
            "created_at": "2026-01-01T00:00:00Z",
        }
    )


def make_data_dir(
    data_dir: Path,
    *,
    pg_version: str | None = "15",
    marker: bool = True,
    marker_major: int = 15,
    pg_control: bool = True,
    superuser: str = "admin",
) -> Path:
    """A data directory with just the files status() looks at."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if pg_version is not None:
        (data_dir / "PG_VERSION").write_text(pg_version + "\n")
    if pg_control:
        (data_dir / "global").mkdir(exist_ok=True)
        (data_dir / "global" / "pg_control").write_bytes(b"\0" * 16)
    if marker:
        (data_dir / MARKER_NAME).write_text(marker_json(major=marker_major, superuser=superuser, socket_dir=data_dir))
    return data_dir


def write_pid_file(data_dir: Path, pid: int, *, port: int = 5432) -> None:
    lines = [str(pid), str(data_dir), "1767225600", str(port), str(data_dir), "127.0.0.1", "  1 2", "ready"]
    (data_dir / "postmaster.pid").write_text("\n".join(lines) + "\n")


def fake_proc_entry(proc_root: Path, pid: int, *, argv0: str, cwd: Path) -> None:
    entry = proc_root / str(pid)
    entry.mkdir(parents=True, exist_ok=True)
    (entry / "cmdline").write_bytes(argv0.encode() + b"\0-D\0/somewhere\0")
    os.symlink(cwd, entry / "cwd")
