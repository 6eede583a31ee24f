"""The Docker engine: does one answer here, and the dev database's container on it.

Detection pings `/_ping` on the engine's unix socket (DOCKER_HOST when it is a unix:// URL, else the
usual socket locations), and falls back to `docker info` (which also knows docker contexts and tcp://
hosts). Both are bounded by a short timeout. The container's name is made here only; the Pulumi
component creates it under that name and the dev commands find it by it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "DOCKER_FIX",
    "ContainerState",
    "DockerRunner",
    "DockerState",
    "DockerStatus",
    "container_logs",
    "container_name",
    "container_state",
    "default_sockets",
    "detect_docker",
    "ping_unix_socket",
    "run_docker_cli",
]

# Runs argv with an environment and a timeout; returns (exit code, combined output).
CliRunner = Callable[[Sequence[str], Mapping[str, str], float], tuple[int, str]]
# Runs a docker CLI command: (exit code, stdout + stderr).
DockerRunner = Callable[[Sequence[str]], tuple[int, str]]
ContainerState = Literal["running", "stopped", "absent", "unknown"]

DEFAULT_TIMEOUT_S = 2.0
# `docker info` starts a Go binary and may resolve a context first: give it longer than a socket ping.
DEFAULT_CLI_TIMEOUT_S = 5.0
_PING = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: workshelf-devenv\r\nConnection: close\r\n\r\n"
_MAX_STATUS_LINE = 4096
DOCKER_FIX = (
    "start Docker (Docker Desktop, or `sudo systemctl start docker` on Linux) and make sure `docker info` works"
)


class DockerState(StrEnum):
    NO_CLI = "no-cli"
    NO_ENGINE = "no-engine"
    ENGINE = "engine"


class DockerStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: DockerState
    reason: str
    endpoint: str | None = None
    cli: str | None = None

    @property
    def answers(self) -> bool:
        return self.state is DockerState.ENGINE


def container_name(port: int) -> str:
    """The dev database's container: one per port, so two checkouts on two ports never collide."""
    return f"workshelf-dev-postgres-{port}"


def container_state(docker: DockerRunner, name: str) -> ContainerState:
    """The dev container's state by name; "unknown" when no Docker engine answers."""
    code, output = docker(["docker", "inspect", "--format", "{{.State.Status}}", name])
    if code == 0:
        return "running" if output.strip().splitlines()[:1] == ["running"] else "stopped"
    if "no such" in output.lower():
        return "absent"
    return "unknown"


def container_logs(docker: DockerRunner, name: str, lines: int) -> list[str]:
    code, output = docker(["docker", "logs", "--tail", str(lines), name])
    text = output.strip().splitlines()
    return text[-lines:] if code == 0 else [f"(docker logs failed: {text[0] if text else f'exit code {code}'})"]


def default_sockets(env: Mapping[str, str], home: Path) -> list[Path]:
    """Where engines usually listen: system Docker, Docker Desktop, rootless Docker, Colima."""
    sockets = [Path("/var/run/docker.sock"), home / ".docker" / "run" / "docker.sock"]
    if env.get("XDG_RUNTIME_DIR"):
        sockets.append(Path(env["XDG_RUNTIME_DIR"]) / "docker.sock")
    sockets.append(home / ".colima" / "default" / "docker.sock")
    return sockets


def detect_docker(
    *,
    env: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    run_cli: CliRunner | None = None,
    home: Path | None = None,
    sockets: Sequence[Path] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    cli_timeout: float = DEFAULT_CLI_TIMEOUT_S,
) -> DockerStatus:
    """Whether a Docker engine answers, with the reason (the keyword arguments exist for tests)."""
    environ = os.environ if env is None else env
    cli = which("docker")
    host = environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        candidates, ask_cli = [Path(host.removeprefix("unix://"))], False
    elif host:
        candidates, ask_cli = [], True  # tcp:// or ssh://: only the CLI knows how to reach it
    else:
        candidates = list(sockets) if sockets is not None else default_sockets(environ, home or Path.home())
        ask_cli = True
    failures: list[str] = []
    for path in candidates:
        error = ping_unix_socket(path, timeout=timeout)
        if error is None:
            return DockerStatus(
                state=DockerState.ENGINE,
                reason=f"a Docker engine answers at unix://{path}",
                endpoint=f"unix://{path}",
                cli=cli,
            )
        if path.exists() or host:
            failures.append(f"unix://{path}: {error}")
    if cli is not None and ask_cli:
        code, output = (run_cli or run_docker_cli)(
            [cli, "info", "--format", "{{.ServerVersion}}"], environ, cli_timeout
        )
        if code == 0 and _first_line(output):
            return DockerStatus(
                state=DockerState.ENGINE,
                reason=f"`docker info` reaches engine {_first_line(output)}",
                endpoint=host or "docker context",
                cli=cli,
            )
        failures.append(f"`docker info`: {_first_line(output) or f'exit code {code}'}")
    details = "; ".join(failures) or "no engine socket found"
    if cli is None:
        return DockerStatus(state=DockerState.NO_CLI, reason=f"no docker CLI on PATH ({details})")
    return DockerStatus(
        state=DockerState.NO_ENGINE,
        reason=f"the docker CLI is installed but no engine answers ({details})",
        cli=cli,
    )


def ping_unix_socket(path: Path, *, timeout: float = DEFAULT_TIMEOUT_S) -> str | None:
    """None if an engine at `path` answers `GET /_ping` with 200, else why not."""
    try:
        status_line = _status_line(path, timeout)
    except TimeoutError:
        return f"no answer within {timeout:g}s"
    except OSError as exc:
        return _socket_error(exc)
    parts = status_line.split(" ", 2)
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1] == "200":
        return None
    return f"unexpected answer {status_line[:80]!r}" if status_line else "the connection closed without an answer"


def _status_line(path: Path, timeout: float) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(path))
        conn.sendall(_PING)
        data = b""
        while b"\r\n" not in data and len(data) < _MAX_STATUS_LINE:
            chunk = conn.recv(1024)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def _socket_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such socket"
    if isinstance(exc, PermissionError):
        return "permission denied (add your user to the docker group, then log in again)"
    if isinstance(exc, ConnectionRefusedError):
        return "nothing listens on the socket"
    return exc.strerror or type(exc).__name__


def run_docker_cli(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> tuple[int, str]:
    """Run the docker CLI with a timeout: (exit code, stdout + stderr); 124/127 for timeout/not found."""
    try:
        done = subprocess.run(
            list(argv),
            env=dict(env),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return 124, f"no answer within {timeout:g}s"
    except OSError as exc:
        return 127, exc.strerror or type(exc).__name__
    return done.returncode, (done.stdout + done.stderr)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:200] if lines else ""
