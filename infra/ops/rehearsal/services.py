"""What a rehearsal runs: a real PostgreSQL of its own, and the Neon emulator backed by it.

Both outlive the command that starts them (`make rehearse` returns, you try things, `make
rehearse-down` stops them), so each is recorded in the rehearsal's `services.json`: the cluster by
its data directory (ours by its marker), the emulator by its pid, checked against its command line
before it is ever signalled.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from infra.devdb.url import DatabaseUrl
from infra.localpg import LocalCluster, LocalPgError, find_binaries, install_hint, next_free_port
from infra.ops.rehearsal.errors import RehearsalError
from infra.toolchain.paths import REPO_ROOT

SUPERUSER = "rehearsal_admin"
_LISTENING = re.compile(r"listening on (http://\S+/api/v2)")
_EMULATOR_MODULE = "neon_emulator"


class Services(BaseModel):
    """What `services.json` records; secrets stay in their own 0600 files next to it."""

    model_config = ConfigDict(frozen=True)

    pg_data: Path
    pg_port: int
    emulator_pid: int
    api_url: str
    orgs: dict[str, str]  # stack -> organization id


def secret_file(path: Path) -> str:
    """A random secret kept in `path` (0600), made on first use."""
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def start_postgres(root: Path) -> tuple[LocalCluster, str]:
    """A throwaway cluster in `root/pgdata` with pg_stat_statements preloaded; returns it and its admin DSN."""
    binaries = find_binaries()
    if binaries is None:
        raise RehearsalError(
            "a rehearsal needs the PostgreSQL server binaries (initdb, pg_ctl)", hint=f"install them: {install_hint()}"
        )
    port = next_free_port(56432)
    if port is None:
        raise RehearsalError("no free port for the rehearsal's PostgreSQL from 56432 on")
    password = secret_file(root / "pg-admin-password")
    cluster = LocalCluster(root / "pgdata", port, binaries, fsync=False)
    try:
        created = not (root / "pgdata").exists()
        cluster.init(SUPERUSER, password)
        if created:
            with (cluster.data_dir / "postgresql.conf").open("a") as conf:
                conf.write("shared_preload_libraries = 'pg_stat_statements'  # rehearsal: query statistics\n")
        cluster.start(timeout=60)
    except LocalPgError as exc:
        raise RehearsalError(f"the rehearsal's PostgreSQL did not start: {exc.message}", hint=exc.hint) from None
    dsn = DatabaseUrl(user=SUPERUSER, password=SecretStr(password), port=port, database="postgres")
    return cluster, dsn.render()


def start_emulator(root: Path, *, api_key: str, dsn: str, orgs: dict[str, str], seconds: float) -> tuple[int, str]:
    """`python -m neon_emulator` in the background (a session of its own); returns its pid and API URL."""
    log = root / "emulator.log"
    argv = [sys.executable, "-m", _EMULATOR_MODULE, "--port", "0", "--operation-seconds", str(seconds)]
    for org, plan in orgs.items():
        argv += ["--org", f"{org}={plan}"]
    env = {**os.environ, "NEON_EMULATOR_API_KEY": api_key, "NEON_EMULATOR_POSTGRES_DSN": dsn}
    with log.open("w") as out:
        process = subprocess.Popen(  # our own interpreter and module
            argv, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found:
            return process.pid, found[1]
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_emulator(process.pid)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
    raise RehearsalError(f"the Neon emulator did not start (log {log}):\n{tail}")


def is_emulator(pid: int) -> bool:
    """Whether `pid` is a running `python -m neon_emulator` (a pid from an old file may be anyone's now)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"-m" in command and _EMULATOR_MODULE.encode() in command


def stop_emulator(pid: int, timeout: float = 10.0) -> bool:
    """SIGTERM the emulator (it exits cleanly), SIGKILL after `timeout`; False if it was not running."""
    if not is_emulator(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and is_emulator(pid):
        _reap(pid)
        time.sleep(0.05)
    if is_emulator(pid):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    """Collect the exit status when the emulator is our own child (same process); ignore otherwise."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return


def stop_postgres(data_dir: Path, port: int) -> bool:
    """Stop and delete the rehearsal's cluster (only ours: LocalCluster checks its marker)."""
    binaries = find_binaries()
    if binaries is None or not data_dir.exists():
        return False
    try:
        return LocalCluster(data_dir, port, binaries).destroy()
    except LocalPgError as exc:
        raise RehearsalError(f"could not remove the rehearsal's PostgreSQL in {data_dir}: {exc.message}") from None
