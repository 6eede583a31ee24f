"""Run an operator's command (the application's Alembic) with the database URL in its environment only,
and relay its output line by line to a callback that masks it, so the URL never reaches the terminal."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

# The child needs the database, not our credentials for Neon or for Pulumi state.
_WITHHELD = ("NEON_API_KEY", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN")
COMMAND_NOT_FOUND = 127
GRACE_SECONDS = 5


class CommandRunner(Protocol):
    def __call__(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None, emit: Callable[[str], None]
    ) -> int:
        """Run `argv`, pass each output line to `emit`, return the exit code."""
        ...


def child_env(
    database_url: SecretStr, base: Mapping[str, str] | None = None, *, url_env: str = "DATABASE_URL"
) -> dict[str, str]:
    """The environment for a migration command: ours, minus API credentials, plus the database URL in
    `url_env` (the variable the application's env.py reads)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _WITHHELD}
    env[url_env] = database_url.get_secret_value()
    return env


class SubprocessRunner:
    """Runs the command with stdout and stderr merged into one pipe that we relay (masked)."""

    def __call__(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None, emit: Callable[[str], None]
    ) -> int:
        try:
            child = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except FileNotFoundError:
            emit(f"command not found: {argv[0]}")
            return COMMAND_NOT_FOUND
        except PermissionError:
            emit(f"command not executable: {argv[0]}")
            return COMMAND_NOT_FOUND
        stream = child.stdout
        if stream is None:  # never: stdout=PIPE
            raise RuntimeError("no output pipe")
        try:
            for line in stream:
                emit(line.rstrip("\n"))
            return child.wait()
        except BaseException:
            _stop(child)
            raise
        finally:
            stream.close()


def _stop(child: subprocess.Popen[str]) -> None:
    """Stop the child before our cleanup (deleting branches) runs. Ctrl-C reached it through the
    terminal's process group, so first let it finish; a SIGTERM sent to us alone did not, so then
    ask it to stop, and finally kill it."""
    for ask in (None, child.terminate, child.kill):
        if ask is not None:
            ask()
        try:
            child.wait(timeout=GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue
