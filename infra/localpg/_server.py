"""Running server tools as the cluster's OS user, and the files that user must own."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from infra.localpg._proc import run_command
from infra.localpg.errors import ClusterCommandError, LocalPgError
from infra.localpg.runas import RunAs, ensure_traversable

_COMMAND_MARGIN_S = 30.0
# sun_path holds 104 bytes on macOS (108 on Linux), including the trailing NUL.
_SOCKET_PATH_MAX = 103
# Characters that would need quoting inside unix_socket_directories (a comma-separated list).
_CONF_UNSAFE_CHARS = frozenset("'\",\\\n")


def socket_dir_for(data_dir: Path, *, tmp_root: Path | None = None) -> Path:
    """The data directory itself if its socket path fits (and needs no quoting), else a private tmp dir."""
    socket_path = os.fsencode(data_dir / ".s.PGSQL.65535")
    if len(socket_path) <= _SOCKET_PATH_MAX and not _CONF_UNSAFE_CHARS & set(str(data_dir)):
        return data_dir
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:12]
    return (tmp_root or Path(tempfile.gettempdir())) / f"workshelf-pg-{digest}"


class ServerUser:
    """Runs commands as `run_as` and hands it the files and directories it needs."""

    def __init__(self, run_as: RunAs, log: Callable[[str], None]) -> None:
        self.run_as = run_as
        self.log = log

    def run(
        self,
        argv: list[str],
        *,
        timeout: float,
        error: type[ClusterCommandError],
        log_file: Path,
        new_session: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        try:
            return run_command(self.run_as.wrap(argv), timeout=timeout + _COMMAND_MARGIN_S, new_session=new_session)
        except subprocess.TimeoutExpired as exc:
            raise error(
                f"`{Path(argv[0]).name}` did not finish within {timeout + _COMMAND_MARGIN_S:.0f}s.",
                log_lines=tail(log_file, 20),
            ) from exc
        except OSError as exc:
            raise LocalPgError(f"Cannot run {argv[0]}: {exc.strerror}. Are the PostgreSQL binaries installed?") from exc

    def give(self, path: Path) -> None:
        if self.run_as.switches_user:
            os.chown(path, self.run_as.uid, self.run_as.gid)

    def make_private_dir(self, path: Path) -> None:
        """A 0700 directory owned by the server user, reachable through its parents."""
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
        self.give(path)
        for parent in ensure_traversable(path, self.run_as):
            self.log(f"Made {parent} traversable (o+x) so user {self.run_as.user} can reach {path}.")


def tail(path: Path, n: int, *, block: int = 8192) -> list[str]:
    """The last `n` lines of a text file, reading only its end ([] if it does not exist)."""
    try:
        with path.open("rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            data = b""
            while end > 0 and data.count(b"\n") <= n:
                start = max(0, end - block)
                handle.seek(start)
                data = handle.read(end - start) + data
                end = start
    except FileNotFoundError:
        return []
    lines = data.decode(errors="replace").splitlines()
    return lines[-n:] if n > 0 else []
