"""Docker detection against a fake engine on a unix socket; the dev container's name, state and logs."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from infra.devdb.docker import (
    DockerState,
    container_logs,
    container_name,
    container_state,
    default_sockets,
    detect_docker,
    ping_unix_socket,
    run_docker_cli,
)


class FakeEngine:
    """A unix-socket server answering every request with one canned response, recording requests."""

    def __init__(self, path: Path, response: bytes) -> None:
        self.path = path
        self.response = response
        self.requests: list[bytes] = []
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self._server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data)
                conn.sendall(self.response)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join(timeout=5)


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    # A short path: unix socket paths are limited to about 104 bytes, pytest's tmp_path can be longer.
    path = Path(tempfile.mkdtemp(prefix="ws-dk-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def engine(path: Path, response: bytes) -> Iterator[FakeEngine]:
    fake = FakeEngine(path, response)
    try:
        yield fake
    finally:
        fake.close()


OK = b"HTTP/1.1 200 OK\r\nApi-Version: 1.50\r\nContent-Length: 2\r\n\r\nOK"


def never_called(_argv: Sequence[str], _env: Mapping[str, str], _timeout: float) -> tuple[int, str]:
    raise AssertionError("the docker CLI must not be run")


def test_ping__engine_answers(sock_dir: Path) -> None:
    with engine(sock_dir / "docker.sock", OK) as fake:
        assert ping_unix_socket(fake.path, timeout=2) is None

    assert fake.requests[0].startswith(b"GET /_ping HTTP/1.1\r\n")


def test_ping__engine_error_status(sock_dir: Path) -> None:
    with engine(sock_dir / "docker.sock", b"HTTP/1.1 500 Internal Server Error\r\n\r\n") as fake:
        assert ping_unix_socket(fake.path, timeout=2) == "unexpected answer 'HTTP/1.1 500 Internal Server Error'"


def test_ping__hang_up_without_answer(sock_dir: Path) -> None:
    with engine(sock_dir / "docker.sock", b"") as fake:
        assert ping_unix_socket(fake.path, timeout=2) == "the connection closed without an answer"


def test_ping__no_socket(sock_dir: Path) -> None:
    assert ping_unix_socket(sock_dir / "docker.sock") == "no such socket"


def test_ping__stale_socket_file(sock_dir: Path) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock_dir / "docker.sock"))
    stale.close()  # the file stays, nobody listens: what a crashed engine leaves behind

    assert ping_unix_socket(sock_dir / "docker.sock") == "nothing listens on the socket"


def test_detect__docker_host_unix_socket_answers(sock_dir: Path) -> None:
    with engine(sock_dir / "d.sock", OK) as fake:
        status = detect_docker(env={"DOCKER_HOST": f"unix://{fake.path}"}, which=lambda _n: None, run_cli=never_called)

    assert status.state is DockerState.ENGINE
    assert status.answers
    assert status.endpoint == f"unix://{fake.path}"
    assert status.reason == f"a Docker engine answers at unix://{fake.path}"


def test_detect__default_socket_answers_without_cli(sock_dir: Path) -> None:
    with engine(sock_dir / "docker.sock", OK) as fake:
        status = detect_docker(env={}, which=lambda _n: None, sockets=[sock_dir / "missing.sock", fake.path])

    assert status.state is DockerState.ENGINE
    assert status.cli is None


def test_detect__docker_host_socket_missing_with_cli(sock_dir: Path) -> None:
    status = detect_docker(
        env={"DOCKER_HOST": f"unix://{sock_dir}/d.sock"},
        which=lambda _n: "/usr/bin/docker",
        run_cli=never_called,
    )

    assert status.state is DockerState.NO_ENGINE
    assert status.reason == (
        f"the docker CLI is installed but no engine answers (unix://{sock_dir}/d.sock: no such socket)"
    )


def test_detect__no_cli_no_socket(sock_dir: Path) -> None:
    status = detect_docker(env={}, which=lambda _n: None, sockets=[sock_dir / "docker.sock"])

    assert status.state is DockerState.NO_CLI
    assert not status.answers
    assert status.reason == "no docker CLI on PATH (no engine socket found)"


def test_detect__cli_without_engine_reports_docker_info_error(sock_dir: Path) -> None:
    calls: list[Sequence[str]] = []

    def cli(argv: Sequence[str], _env: Mapping[str, str], timeout: float) -> tuple[int, str]:
        calls.append(argv)
        assert timeout == 5.0
        return (
            1,
            "\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
        )

    status = detect_docker(env={}, which=lambda _n: "/usr/bin/docker", run_cli=cli, sockets=[sock_dir / "x.sock"])

    assert calls == [["/usr/bin/docker", "info", "--format", "{{.ServerVersion}}"]]
    assert status.state is DockerState.NO_ENGINE
    assert "`docker info`: Cannot connect to the Docker daemon" in status.reason
    assert status.cli == "/usr/bin/docker"


def test_detect__cli_reaches_an_engine_through_a_context(sock_dir: Path) -> None:
    status = detect_docker(
        env={}, which=lambda _n: "/usr/bin/docker", run_cli=lambda _a, _e, _t: (0, "28.2.2\n"), sockets=[]
    )

    assert status.state is DockerState.ENGINE
    assert status.reason == "`docker info` reaches engine 28.2.2"


def test_detect__tcp_docker_host_asks_the_cli_with_that_environment() -> None:
    seen: list[Mapping[str, str]] = []

    def cli(_argv: Sequence[str], env: Mapping[str, str], _timeout: float) -> tuple[int, str]:
        seen.append(env)
        return 0, "27.0.1"

    status = detect_docker(env={"DOCKER_HOST": "tcp://10.0.0.5:2376"}, which=lambda _n: "/usr/bin/docker", run_cli=cli)

    assert status.state is DockerState.ENGINE
    assert status.endpoint == "tcp://10.0.0.5:2376"
    assert seen[0]["DOCKER_HOST"] == "tcp://10.0.0.5:2376"


def test_default_sockets_cover_desktop_rootless_and_colima(tmp_path: Path) -> None:
    sockets = default_sockets({"XDG_RUNTIME_DIR": "/run/user/1000"}, tmp_path)

    assert sockets == [
        Path("/var/run/docker.sock"),
        tmp_path / ".docker" / "run" / "docker.sock",
        Path("/run/user/1000/docker.sock"),
        tmp_path / ".colima" / "default" / "docker.sock",
    ]


def test_run_docker_cli__exit_code_and_output(tmp_path: Path) -> None:
    fake = tmp_path / "docker"
    fake.write_text('#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n')
    fake.chmod(0o755)

    assert run_docker_cli([str(fake), "info"], {}, 5.0) == (1, "Cannot connect to the Docker daemon\n")


def test_run_docker_cli__missing_binary(tmp_path: Path) -> None:
    code, _output = run_docker_cli([str(tmp_path / "docker"), "info"], {}, 5.0)

    assert code == 127


def test_the_container_is_named_after_its_port() -> None:
    assert container_name(55432) == "workshelf-dev-postgres-55432"


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ((0, "running\n"), "running"),
        ((0, "exited\n"), "stopped"),
        ((1, "Error: No such object: workshelf-dev-postgres-55432"), "absent"),
        ((1, "Cannot connect to the Docker daemon"), "unknown"),
    ],
)
def test_container_state(answer: tuple[int, str], state: str) -> None:
    calls: list[Sequence[str]] = []

    def docker(argv: Sequence[str]) -> tuple[int, str]:
        calls.append(argv)
        return answer

    assert container_state(docker, "c") == state
    assert calls == [["docker", "inspect", "--format", "{{.State.Status}}", "c"]]


def test_container_logs__the_last_lines_or_why_not() -> None:
    assert container_logs(lambda _argv: (0, "a\nb\nc\n"), "c", 2) == ["b", "c"]
    assert container_logs(lambda _argv: (1, "no such container\n"), "c", 2) == [
        "(docker logs failed: no such container)"
    ]
