"""A developer's native PostgreSQL cluster in a git-ignored directory: init, start, stop, status, destroy.

Every operation is idempotent and checks `status()` first: we only ever touch a data directory that
carries our marker and matches our binaries' major version.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from infra.localpg import roles
from infra.localpg._initdb import create_cluster_files
from infra.localpg._proc import is_postmaster
from infra.localpg._server import ServerUser, socket_dir_for, tail
from infra.localpg.binaries import PgBinaries
from infra.localpg.datadir import (
    LOG_NAME,
    PID_NAME,
    ClusterMarker,
    ClusterState,
    ClusterStatus,
    classify,
    read_postmaster_pid,
)
from infra.localpg.errors import (
    ClusterAbsentError,
    ClusterNotRunningError,
    ClusterStateError,
    CorruptedClusterError,
    DestroyRefusedError,
    ForeignDataDirError,
    LocalPgError,
    StartError,
    StopError,
)
from infra.localpg.ports import describe_port_conflict
from infra.localpg.roles import AdminLogin, Change, check_identifier
from infra.localpg.runas import RunAs, resolve_run_as

__all__ = ["STAGING_SUFFIX", "LocalCluster", "socket_dir_for"]

# init builds the cluster in `<data_dir>.workshelf-init` and renames it into place once complete, so a
# crash mid-init never leaves a half-made data directory behind the real name.
STAGING_SUFFIX = ".workshelf-init"
_LOG_LINES_ON_ERROR = 20


class LocalCluster:
    """One native cluster: `data_dir` on 127.0.0.1:`port`, run by `run_as` (see `runas.py`).

    `port` is given to the server on every start (`-p`); neither `postgresql.conf` nor our marker
    records one, so the caller's setting is the port's one source and a changed setting takes effect
    on the next start.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        binaries: PgBinaries,
        *,
        run_as: RunAs | str | None = None,
        admin: AdminLogin | None = None,
        fsync: bool = True,
        log: Callable[[str], None] | None = None,
    ) -> None:
        """Args:
        run_as: the server's OS user; None picks `postgres` when we are root, else ourselves.
        admin: the superuser login for ensure_*, when `init` is not called on this object.
        fsync: False only for throwaway test clusters (faster, unsafe on a crash).
        log: receives notes such as permission changes and stale-pid removal.
        """
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.binaries = binaries
        self._requested_run_as = run_as
        self._admin = admin
        self._fsync = fsync
        self._log = log or _ignore

    def __repr__(self) -> str:
        return f"LocalCluster(data_dir={str(self.data_dir)!r}, port={self.port}, major={self.binaries.major})"

    @cached_property
    def run_as(self) -> RunAs:
        if isinstance(self._requested_run_as, RunAs):
            return self._requested_run_as
        return resolve_run_as(self._requested_run_as)

    @property
    def log_file(self) -> Path:
        return self.data_dir / LOG_NAME

    def status(self) -> ClusterStatus:
        return classify(self.data_dir, expected_major=self.binaries.major)

    def init(self, superuser: str, password: str) -> ClusterStatus:
        """Create the cluster, or accept the existing one if it is ours (idempotent; the password of an
        existing cluster is not checked here: ensure_* fails clearly if it is wrong)."""
        check_identifier("superuser", superuser)
        if not password or any(c in password for c in "\r\n\0"):
            raise LocalPgError("The superuser password must be non-empty and on one line.")
        current = self._require_usable(allow_absent=True)
        if current.state is not ClusterState.ABSENT:
            recorded = _marker_of(current).superuser
            if recorded != superuser:
                raise ClusterStateError(
                    f"The dev cluster at {self.data_dir} was initialised with superuser "
                    f"{recorded!r}, not {superuser!r}; use that name or destroy and re-init."
                )
        else:
            self._create(superuser, password)
        self._admin = AdminLogin(user=superuser, password=password)
        return self.status()

    def start(self, timeout: float = 60.0) -> ClusterStatus:
        """Start the server and wait until it accepts connections; a no-op if it already runs."""
        current = self._require_usable()
        if current.state is ClusterState.RUNNING:
            if current.port != self.port:
                raise ClusterStateError(
                    f"The dev cluster already runs on port {current.port}, not {self.port}: stop it first."
                )
            return current
        if current.stale_pid_file:
            self._remove_stale_lock_files(current)
        self._prepare_runtime_files(current)
        argv = [str(self.binaries.pg_ctl), "start", "-D", str(self.data_dir), "-l", str(self.log_file)]
        argv += ["-w", "-t", str(max(1, round(timeout))), "-o", f"-p {self.port}"]
        done = self._server.run(argv, timeout=timeout, error=StartError, log_file=self.log_file, new_session=True)
        after = self.status()
        if done.returncode != 0 or after.state is not ClusterState.RUNNING:
            conflict = describe_port_conflict(self.port)
            raise StartError(
                f"PostgreSQL did not start on 127.0.0.1:{self.port} (data {self.data_dir}). "
                + (conflict or "See the server log lines below."),
                log_lines=self.log_tail(_LOG_LINES_ON_ERROR),
                output=done.stdout + done.stderr,
            )
        return after

    def stop(self, timeout: float = 60.0) -> ClusterStatus:
        """Stop the server (fast shutdown: sessions are disconnected); a no-op if it is stopped."""
        current = self._require_usable(allow_absent=True)
        if current.state is ClusterState.RUNNING:
            self._pg_ctl_stop(timeout)
            return self.status()
        return current

    def ensure_role(self, name: str, password: str, *, createdb: bool = False) -> Change:
        """Make `name` a LOGIN role with `password` (see `roles.ensure_role`)."""
        with roles.connect_admin(self._running_port(), self._require_admin()) as conn:
            return roles.ensure_role(conn, name, password, createdb=createdb)

    def ensure_database(self, name: str, owner: str) -> Change:
        """Make database `name` exist, owned by `owner` (see `roles.ensure_database`)."""
        with roles.connect_admin(self._running_port(), self._require_admin()) as conn:
            return roles.ensure_database(conn, name, owner)

    def log_tail(self, n: int = 50) -> list[str]:
        """The last `n` lines of the server log ([] if there is none yet)."""
        return tail(self.log_file, n)

    def destroy(self, timeout: float = 60.0) -> bool:
        """Stop and delete the cluster; refuses anything without our marker. True if it deleted."""
        current = self.status()
        if current.state is ClusterState.ABSENT:
            return False
        if not current.ours:
            raise DestroyRefusedError(f"Refusing to delete: {current.detail}")
        pid_file = read_postmaster_pid(self.data_dir)
        if pid_file is not None and is_postmaster(pid_file.pid, self.data_dir):
            self._pg_ctl_stop(timeout)  # even when corrupted: never delete under a live server
        shutil.rmtree(self.data_dir)
        socket_dir = current.marker.socket_dir if current.marker else None
        if socket_dir is not None and socket_dir != self.data_dir:
            shutil.rmtree(socket_dir, ignore_errors=True)
        return True

    @cached_property
    def _server(self) -> ServerUser:
        return ServerUser(self.run_as, self._log)

    def _create(self, superuser: str, password: str) -> None:
        staging = self.data_dir.with_name(self.data_dir.name + STAGING_SUFFIX)
        if staging.exists():  # left by an interrupted init; the name is ours alone
            shutil.rmtree(staging)
        self._server.make_private_dir(staging)
        try:
            create_cluster_files(
                self._server,
                self.binaries,
                staging=staging,
                data_dir=self.data_dir,
                superuser=superuser,
                password=password,
                fsync=self._fsync,
            )
            if self.data_dir.exists():
                self.data_dir.rmdir()  # empty, or status() would not have said absent
            staging.rename(self.data_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def _pg_ctl_stop(self, timeout: float) -> None:
        argv = [str(self.binaries.pg_ctl), "stop", "-D", str(self.data_dir), "-m", "fast"]
        argv += ["-w", "-t", str(max(1, round(timeout)))]
        done = self._server.run(argv, timeout=timeout, error=StopError, log_file=self.log_file)
        pid_file = read_postmaster_pid(self.data_dir)
        if pid_file is not None and is_postmaster(pid_file.pid, self.data_dir):
            raise StopError(
                f"PostgreSQL (pid {pid_file.pid}) did not stop within {timeout:.0f}s.",
                log_lines=self.log_tail(_LOG_LINES_ON_ERROR),
                output=done.stdout + done.stderr,
            )

    def _require_usable(self, *, allow_absent: bool = False) -> ClusterStatus:
        current = self.status()
        if current.state is ClusterState.ABSENT and not allow_absent:
            raise ClusterAbsentError(f"There is no dev cluster at {self.data_dir} yet; run init first.")
        if current.state is ClusterState.FOREIGN:
            raise ForeignDataDirError(current.detail)
        if current.state is ClusterState.CORRUPTED:
            raise CorruptedClusterError(current.detail)
        return current

    def _running_port(self) -> int:
        current = self._require_usable()
        if current.state is not ClusterState.RUNNING:
            raise ClusterNotRunningError(f"The dev cluster at {self.data_dir} is {current.state}; start it first.")
        return current.port or self.port

    def _require_admin(self) -> AdminLogin:
        if self._admin is None:
            raise LocalPgError("No superuser login: call init(superuser, password) or pass admin= to LocalCluster.")
        return self._admin

    def _prepare_runtime_files(self, current: ClusterStatus) -> None:
        socket_dir = _marker_of(current).socket_dir
        # A private socket dir lives in /tmp, which a reboot empties: recreate it on every start.
        if socket_dir != self.data_dir:
            self._server.make_private_dir(socket_dir)
        if self.log_file.exists():
            self._server.give(self.log_file)

    def _remove_stale_lock_files(self, current: ClusterStatus) -> None:
        # The server itself refuses to start when the recorded pid now belongs to another process,
        # which is common after a reboot; status() has checked no postmaster runs for this directory.
        stale = [self.data_dir / PID_NAME, *_marker_of(current).socket_dir.glob(".s.PGSQL.*.lock")]
        for path in stale:
            path.unlink(missing_ok=True)
        self._log(f"Removed a stale {PID_NAME} left by a crash or reboot ({current.detail}).")


def _ignore(_line: str) -> None:
    """The default `log`: a module-level function, so a LocalCluster stays picklable."""


def _marker_of(current: ClusterStatus) -> ClusterMarker:
    if current.marker is None:  # usable (running/stopped) states always carry our marker
        raise CorruptedClusterError(current.detail)
    return current.marker
