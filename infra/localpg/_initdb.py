"""Create a cluster's files: initdb with a SCRAM superuser, our settings, pg_hba.conf and the marker."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from infra.localpg._server import ServerUser, socket_dir_for
from infra.localpg.binaries import PgBinaries
from infra.localpg.datadir import LOG_NAME, MARKER_NAME, ClusterMarker
from infra.localpg.errors import InitError

_INITDB_TIMEOUT_S = 300.0
_HBA = """\
# Written by workshelf infra/localpg: SCRAM password logins only, over loopback TCP and the private socket.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 scram-sha-256
host    all       all   127.0.0.1/32  scram-sha-256
"""


def create_cluster_files(
    server: ServerUser,
    binaries: PgBinaries,
    *,
    staging: Path,
    data_dir: Path,
    superuser: str,
    password: str,
    fsync: bool,
) -> None:
    """Fill the empty `staging` directory with a cluster that will live at `data_dir`."""
    _initdb(server, binaries, staging, superuser=superuser, password=password, fsync=fsync)
    socket_dir = socket_dir_for(data_dir)
    settings = [
        "",
        "# --- workshelf infra/localpg (LocalCluster.init) ---",
        "listen_addresses = '127.0.0.1'",
        # No `port`: `LocalCluster.start` passes it (`-p`) every time, so the caller's setting is its one source.
        f"unix_socket_directories = '{socket_dir}'",
        "password_encryption = 'scram-sha-256'",
    ]
    if not fsync:
        settings += ["fsync = off  # throwaway test cluster", "full_page_writes = off"]
    with (staging / "postgresql.conf").open("a") as conf:
        conf.write("\n".join(settings) + "\n")
    (staging / "pg_hba.conf").write_text(_HBA)
    marker = ClusterMarker(
        major=binaries.major,
        owner=server.run_as.user,
        superuser=superuser,
        socket_dir=socket_dir,
        created_at=datetime.now(UTC),
    )
    marker_path = staging / MARKER_NAME
    marker_path.write_text(marker.model_dump_json(indent=2) + "\n")
    marker_path.chmod(0o600)
    server.give(marker_path)


def _initdb(
    server: ServerUser, binaries: PgBinaries, target: Path, *, superuser: str, password: str, fsync: bool
) -> None:
    with tempfile.TemporaryDirectory(prefix="workshelf-pw-") as secret_dir:
        # initdb reads the password from a file (never argv, which `ps` shows); only the server
        # user may read it, and the directory is removed as soon as initdb is done.
        server.give(Path(secret_dir))
        pwfile = Path(secret_dir) / "pw"
        pwfile.touch(mode=0o600)
        server.give(pwfile)
        pwfile.write_text(password + "\n")
        argv = [
            str(binaries.initdb),
            "-D",
            str(target),
            "-U",
            superuser,
            f"--pwfile={pwfile}",
            "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
        ]
        if not fsync:
            argv.append("--no-sync")
        done = server.run(argv, timeout=_INITDB_TIMEOUT_S, error=InitError, log_file=target / LOG_NAME)
    if done.returncode != 0:
        raise InitError(f"initdb failed for {target}.", output=done.stdout + done.stderr)
