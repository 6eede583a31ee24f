"""Real PostgreSQL: init → start → roles → probe → stop → restart → crash and reboot → destroy."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from infra.localpg import (
    AdminLogin,
    Change,
    ClusterState,
    LocalCluster,
    LocalPgError,
    PgBinaries,
    ProbeResult,
    ProbeTarget,
    SqlError,
    StartError,
    find_binaries,
    next_free_port,
    probe,
)
from infra.localpg.datadir import MARKER_NAME, PID_NAME
from tests.localpg.fakes import write_pid_file
from tests.support.ports import pick_free_port
from tests.support.postgres import PgClusterHandle

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

SUPERUSER = "workshelf_admin"
ADMIN_PASSWORD = "adm1n 'quoted\" pw"
DEV_PASSWORD = "dev-p@ss:w/rd"


@pytest.fixture
def binaries() -> PgBinaries:
    found = find_binaries()
    if found is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    return found


@pytest.fixture
def workdir(binaries: PgBinaries) -> Iterator[Path]:
    # Not tmp_path: pytest keeps its base directory 0700, and the server user must traverse parents.
    base = Path(tempfile.mkdtemp(prefix="ws-pg-e2e-"))
    try:
        yield base
    finally:
        for marker in base.rglob(MARKER_NAME):  # stop and remove whatever a failed test left running
            with contextlib.suppress(LocalPgError):
                LocalCluster(marker.parent, 0, binaries).destroy()
        shutil.rmtree(base, ignore_errors=True)


def dev_probe(port: int, password: str = DEV_PASSWORD, timeout: float = 10) -> ProbeResult:
    return probe(ProbeTarget(port=port, user="dev", password=password, dbname="devdb"), timeout=timeout)


def wait_until_no_server_process(data_dir: Path, pid: int, timeout: float = 20.0) -> None:
    """After SIGKILL of the postmaster its children exit on their own; wait until they have."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_serves(proc, data_dir) for proc in _processes()) and not _alive(pid):
            return
        time.sleep(0.1)
    raise AssertionError(f"server processes for {data_dir} still alive after {timeout}s")


def _processes() -> list[Path]:
    proc = Path("/proc")
    return [p for p in proc.iterdir() if p.name.isdigit()] if proc.is_dir() else []


def _serves(proc: Path, data_dir: Path) -> bool:
    # Every server process works in the data directory; where /proc is missing (macOS) we only
    # know about the postmaster itself, whose children exit within moments of it.
    try:
        return os.path.samefile(os.readlink(proc / "cwd"), data_dir)
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_lifecycle_with_restart_crash_and_reboot(binaries: PgBinaries, workdir: Path) -> None:
    notes: list[str] = []
    cluster = LocalCluster(workdir / "pgdata", pick_free_port(), binaries, fsync=False, log=notes.append)

    created = cluster.init(SUPERUSER, ADMIN_PASSWORD)
    assert created.state is ClusterState.STOPPED
    assert created.marker is not None
    assert (created.marker.major, created.marker.superuser) == (binaries.major, SUPERUSER)
    data_stat = cluster.data_dir.stat()
    assert data_stat.st_uid == cluster.run_as.uid
    assert stat.S_IMODE(data_stat.st_mode) == 0o700
    hba = (cluster.data_dir / "pg_hba.conf").read_text()
    assert "trust" not in hba
    assert "127.0.0.1/32  scram-sha-256" in hba
    assert cluster.init(SUPERUSER, ADMIN_PASSWORD).marker == created.marker  # idempotent

    running = cluster.start(timeout=60)
    assert running.state is ClusterState.RUNNING
    assert running.port == cluster.port
    assert cluster.start().pid == running.pid  # already running: a no-op

    assert cluster.ensure_role("dev", DEV_PASSWORD) is Change.CREATED
    assert cluster.ensure_role("dev", DEV_PASSWORD) is Change.UNCHANGED
    assert cluster.ensure_database("devdb", "dev") is Change.CREATED
    assert cluster.ensure_database("devdb", "dev") is Change.UNCHANGED
    ready = dev_probe(cluster.port)
    assert ready.ok, ready
    assert ready.server_version is not None
    assert ready.server_version.startswith(f"{binaries.major}.")

    stopped = cluster.stop()
    assert stopped.state is ClusterState.STOPPED
    assert not (cluster.data_dir / PID_NAME).exists()
    assert not dev_probe(cluster.port, timeout=0).ok

    assert cluster.start(timeout=60).state is ClusterState.RUNNING
    assert dev_probe(cluster.port).ok

    # A crash, then a reboot that gave the old pid to an unrelated process (here: pytest itself).
    crashed_pid = cluster.status().pid
    assert crashed_pid is not None
    os.kill(crashed_pid, signal.SIGKILL)
    wait_until_no_server_process(cluster.data_dir, crashed_pid)
    write_pid_file(cluster.data_dir, os.getpid(), port=cluster.port)
    stale = cluster.status()
    assert (stale.state, stale.stale_pid_file) == (ClusterState.STOPPED, True)

    assert cluster.start(timeout=60).state is ClusterState.RUNNING
    assert any("Removed a stale postmaster.pid" in note for note in notes)
    assert dev_probe(cluster.port).ok  # the role and database survived the crash

    assert cluster.destroy() is True
    assert cluster.status().state is ClusterState.ABSENT
    assert not cluster.data_dir.exists()


def test_start_failure_on_a_taken_port_shows_holder_and_log_lines(binaries: PgBinaries, workdir: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        port = pick_free_port()  # outside the ephemeral range: still free after the squatter leaves
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        cluster = LocalCluster(workdir / "pgdata", port, binaries, fsync=False)
        cluster.init(SUPERUSER, ADMIN_PASSWORD)

        with pytest.raises(StartError) as exc:
            cluster.start(timeout=30)

    message = str(exc.value)
    assert f"PostgreSQL did not start on 127.0.0.1:{port}" in message
    assert f"Port {port} on 127.0.0.1 is already in use by pid {os.getpid()}" in message
    assert "last server log lines:" in message
    assert any("Address already in use" in line for line in exc.value.log_lines)
    assert ADMIN_PASSWORD not in message
    assert cluster.status().state is ClusterState.STOPPED

    assert cluster.start(timeout=60).state is ClusterState.RUNNING  # the port is free again
    cluster.destroy()


def test_the_port_has_one_source_the_one_start_is_given(binaries: PgBinaries, workdir: Path) -> None:
    first = pick_free_port()
    second = next_free_port(first + 1)
    assert second is not None
    cluster = LocalCluster(workdir / "pgdata", first, binaries, fsync=False)
    cluster.init(SUPERUSER, ADMIN_PASSWORD)
    conf = (cluster.data_dir / "postgresql.conf").read_text()
    assert not [line for line in conf.splitlines() if line.strip().startswith("port")]
    assert cluster.start(timeout=60).port == first
    cluster.stop()

    moved = LocalCluster(cluster.data_dir, second, binaries, admin=AdminLogin(user=SUPERUSER, password=ADMIN_PASSWORD))
    assert moved.start(timeout=60).port == second
    assert moved.ensure_role("dev", DEV_PASSWORD) is Change.CREATED
    assert moved.ensure_database("devdb", "dev") is Change.CREATED
    assert dev_probe(second).ok
    moved.destroy()


def test_long_data_dir_path_uses_a_private_socket_dir(binaries: PgBinaries, workdir: Path) -> None:
    data_dir = workdir / ("deep-directory-name-" * 5) / "pgdata"
    cluster = LocalCluster(data_dir, pick_free_port(), binaries, fsync=False)

    marker = cluster.init(SUPERUSER, ADMIN_PASSWORD).marker
    cluster.start(timeout=60)

    assert marker is not None
    assert marker.socket_dir.name.startswith("workshelf-pg-")
    assert (marker.socket_dir / f".s.PGSQL.{cluster.port}").is_socket()
    assert stat.S_IMODE(marker.socket_dir.stat().st_mode) == 0o700
    cluster.destroy()
    assert not marker.socket_dir.exists()


def test_shared_fixture_gives_a_loopback_scram_superuser(pg_cluster: PgClusterHandle) -> None:
    with psycopg.connect(pg_cluster.admin_dsn) as conn:
        row = conn.execute(
            "SELECT current_user, current_setting('listen_addresses'), current_setting('password_encryption')"
        ).fetchone()
        methods = {r[0] for r in conn.execute("SELECT auth_method FROM pg_hba_file_rules").fetchall()}

    assert row == (pg_cluster.superuser, "127.0.0.1", "scram-sha-256")
    assert methods == {"scram-sha-256"}
    assert pg_cluster.password not in repr(pg_cluster)


def test_ensure_role_updates_a_changed_password(pg_cluster: PgClusterHandle) -> None:
    cluster = pg_cluster.cluster
    assert cluster.ensure_role("rotating", "first-password") is Change.CREATED

    assert cluster.ensure_role("rotating", "second-password") is Change.UPDATED
    assert cluster.ensure_role("rotating", "second-password", createdb=True) is Change.UPDATED

    with psycopg.connect(pg_cluster.dsn(user="rotating", password="second-password", database="postgres")) as conn:
        assert conn.execute("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user").fetchone() == (True,)


def test_ensure_database_changes_owner(pg_cluster: PgClusterHandle) -> None:
    cluster = pg_cluster.cluster
    cluster.ensure_role("owner_a", "pw-a")
    cluster.ensure_role("owner_b", "pw-b")
    assert cluster.ensure_database("handover", "owner_a") is Change.CREATED

    assert cluster.ensure_database("handover", "owner_b") is Change.UPDATED

    with psycopg.connect(pg_cluster.admin_dsn) as conn:
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'handover'").fetchone()
    assert owner == ("owner_b",)


def test_ensure_database_for_a_missing_owner(pg_cluster: PgClusterHandle) -> None:
    with pytest.raises(SqlError, match="Role 'ghost' does not exist; ensure_role it"):
        pg_cluster.cluster.ensure_database("ghostdb", "ghost")


def test_ensure_role_refuses_to_touch_a_superuser(pg_cluster: PgClusterHandle) -> None:
    with pytest.raises(SqlError, match="is a superuser"):
        pg_cluster.cluster.ensure_role(pg_cluster.superuser, "new-password")


def test_wrong_password_probe_fails_fast_without_echoing_it(pg_cluster: PgClusterHandle) -> None:
    pg_cluster.cluster.ensure_role("prober", "right-password")
    target = ProbeTarget(port=pg_cluster.port, user="prober", password="wrong-password", dbname="postgres")

    result = probe(target, timeout=30)

    assert not result.ok
    assert result.attempts == 1
    assert result.error is not None
    assert 'password authentication failed for user "prober"' in result.error
    assert "wrong-password" not in result.error
