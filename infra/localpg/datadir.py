"""Tell our cluster's data directory from an absent, foreign or corrupted one, and whether it runs.

`init` writes `workshelf-cluster.json` into the data directory. A PostgreSQL data directory without it
(or one made by another major than our binaries) is foreign: we never start, stop or delete it. Our
marker without a readable PG_VERSION and global/pg_control means an init or a disk went wrong: corrupted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra.localpg._proc import PROC_ROOT, is_postmaster

__all__ = [
    "LOG_NAME",
    "MARKER_NAME",
    "ClusterMarker",
    "ClusterState",
    "ClusterStatus",
    "PostmasterPid",
    "classify",
    "read_marker",
    "read_postmaster_pid",
]

MARKER_NAME = "workshelf-cluster.json"
LOG_NAME = "workshelf-server.log"
PID_NAME = "postmaster.pid"


class ClusterMarker(BaseModel):
    """What `init` recorded; no secrets (the superuser's password is never stored)."""

    model_config = ConfigDict(frozen=True)

    tool: Literal["workshelf-infra"] = "workshelf-infra"
    format: Literal[1] = 1
    major: int
    owner: str
    superuser: str
    socket_dir: Path
    created_at: datetime


class ClusterState(StrEnum):
    ABSENT = "absent"
    STOPPED = "stopped"
    RUNNING = "running"
    FOREIGN = "foreign"
    CORRUPTED = "corrupted"


class ClusterStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: ClusterState
    data_dir: Path
    detail: str
    # True when our marker file is there (even if unreadable): only then may we delete the directory.
    ours: bool = False
    marker: ClusterMarker | None = None
    pid: int | None = None
    port: int | None = None
    # A postmaster.pid left by a crash or reboot; `start` removes it.
    stale_pid_file: bool = False


class PostmasterPid(BaseModel):
    """The first lines of postmaster.pid: pid, data directory, start time, port, socket dir."""

    model_config = ConfigDict(frozen=True)

    pid: int
    port: int | None = None
    socket_dir: str | None = None


def classify(data_dir: Path, *, expected_major: int, proc_root: Path = PROC_ROOT) -> ClusterStatus:
    """The state of `data_dir` for binaries of `expected_major`; reads files only, changes nothing."""
    if not data_dir.exists():
        return ClusterStatus(state=ClusterState.ABSENT, data_dir=data_dir, detail=f"no data directory at {data_dir}")
    if not data_dir.is_dir():
        return _foreign(data_dir, f"{data_dir} is a file, not a data directory; move it away")
    if not (data_dir / MARKER_NAME).exists():
        return _classify_unmarked(data_dir)
    return _classify_marked(data_dir, expected_major, proc_root)


def read_marker(data_dir: Path) -> ClusterMarker:
    """Parse our marker; raises OSError or ValueError (pydantic's ValidationError is one)."""
    return ClusterMarker.model_validate_json((data_dir / MARKER_NAME).read_bytes())


def read_postmaster_pid(data_dir: Path) -> PostmasterPid | None:
    """The pid file's contents, or None when there is none or it is unparsable (treated as stale)."""
    try:
        lines = (data_dir / PID_NAME).read_text(errors="replace").splitlines()
    except OSError:  # absent (the usual case) or unreadable: nothing tells us a server runs
        return None
    try:
        pid = int(lines[0].strip())
        port = int(lines[3].strip()) if len(lines) > 3 and lines[3].strip() else None
    except (IndexError, ValueError):
        return PostmasterPid(pid=0)
    socket_dir = lines[4].strip() if len(lines) > 4 and lines[4].strip() else None
    return PostmasterPid(pid=pid, port=port, socket_dir=socket_dir)


def _classify_marked(data_dir: Path, expected_major: int, proc_root: Path) -> ClusterStatus:
    try:
        marker = read_marker(data_dir)
    except (OSError, ValueError) as exc:
        return _corrupted(data_dir, None, f"its {MARKER_NAME} cannot be read ({type(exc).__name__})")
    problem = _cluster_files_problem(data_dir, marker)
    if problem is not None:
        return _corrupted(data_dir, marker, problem)
    if marker.major != expected_major:
        return ClusterStatus(
            state=ClusterState.FOREIGN,
            data_dir=data_dir,
            ours=True,
            marker=marker,
            detail=(
                f"{data_dir} was created by PostgreSQL {marker.major} but the binaries are "
                f"{expected_major}: use PostgreSQL {marker.major} binaries, or destroy the dev "
                "cluster (its data is lost) and init it again"
            ),
        )
    return _running_or_stopped(data_dir, marker, proc_root)


def _classify_unmarked(data_dir: Path) -> ClusterStatus:
    if (data_dir / "PG_VERSION").exists():
        version = _read_pg_version(data_dir)
        label = f"a PostgreSQL {version} data directory" if version else "a PostgreSQL data directory"
        return _foreign(
            data_dir,
            f"{data_dir} is {label} not created by workshelf (no {MARKER_NAME}); it is left alone: "
            "point data_dir elsewhere, or move it away yourself",
        )
    try:
        empty = not any(data_dir.iterdir())
    except OSError as exc:
        return _foreign(data_dir, f"{data_dir} cannot be listed ({exc.strerror}); check its permissions")
    if empty:
        return ClusterStatus(state=ClusterState.ABSENT, data_dir=data_dir, detail=f"{data_dir} is empty")
    return _foreign(
        data_dir, f"{data_dir} holds files but is not a PostgreSQL data directory; point data_dir elsewhere"
    )


def _cluster_files_problem(data_dir: Path, marker: ClusterMarker) -> str | None:
    version = _read_pg_version(data_dir)
    if version is None:
        return "PG_VERSION is missing or unreadable"
    if not (data_dir / "global" / "pg_control").is_file():
        return "global/pg_control is missing"
    if version != marker.major:
        return f"PG_VERSION says {version} but the marker says {marker.major}"
    return None


def _running_or_stopped(data_dir: Path, marker: ClusterMarker, proc_root: Path) -> ClusterStatus:
    pid_file = read_postmaster_pid(data_dir)
    if pid_file is None:
        return ClusterStatus(state=ClusterState.STOPPED, data_dir=data_dir, ours=True, marker=marker, detail="stopped")
    if is_postmaster(pid_file.pid, data_dir, proc_root=proc_root):
        return ClusterStatus(
            state=ClusterState.RUNNING,
            data_dir=data_dir,
            ours=True,
            marker=marker,
            pid=pid_file.pid,
            port=pid_file.port,
            detail=f"running (pid {pid_file.pid}, port {pid_file.port})",
        )
    return ClusterStatus(
        state=ClusterState.STOPPED,
        data_dir=data_dir,
        ours=True,
        marker=marker,
        stale_pid_file=True,
        detail=f"stopped (stale {PID_NAME} for pid {pid_file.pid}, left by a crash or reboot)",
    )


def _read_pg_version(data_dir: Path) -> int | None:
    try:
        text = (data_dir / "PG_VERSION").read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _foreign(data_dir: Path, detail: str) -> ClusterStatus:
    return ClusterStatus(state=ClusterState.FOREIGN, data_dir=data_dir, detail=detail)


def _corrupted(data_dir: Path, marker: ClusterMarker | None, problem: str) -> ClusterStatus:
    return ClusterStatus(
        state=ClusterState.CORRUPTED,
        data_dir=data_dir,
        ours=True,
        marker=marker,
        detail=(
            f"{data_dir} has the workshelf marker but {problem}: the dev cluster is damaged; "
            "destroy it (its data is lost) and init it again"
        ),
    )
