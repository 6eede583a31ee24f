"""The prewarmed dynamic-provider process and its launcher, as real processes on a Unix socket.

The test process plays the CLI: it is the parent of both the prewarmed process (started with
`--cli-pid` = its own pid) and the launcher, as the engine is. The provider they set up is the SDK's
own gRPC server, asked for its plugin info over loopback.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2_grpc

from infra.toolchain import prewarm
from infra.toolchain import provider_launch as launch
from infra.toolchain.paths import REPO_ROOT
from tests.toolchain.test_langhost import ended

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform != "linux", reason="Linux only (SO_PEERCRED)")]

PYTHON = sys.executable
FALLBACK = '#!/bin/sh\necho "the SDK\'s script ran with: $*"\n'


@dataclass
class Setup:
    run_dir: Path  # XDG_RUNTIME_DIR
    launcher: Path  # provider_launch.py, installed as `make setup` does, next to the SDK's script
    trace: Path
    env: dict[str, str]
    started: list[subprocess.Popen[bytes]]

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def events(self) -> list[dict[str, object]]:
        if not self.trace.exists():
            return []
        return [json.loads(line) for line in self.trace.read_text().splitlines()]

    def wait_for(self, event: str, within: float = 20.0) -> dict[str, object]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e["event"] == event]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no {event!r} event in {self.events()}")

    def socket_path(self, cli_pid: int) -> Path:
        directory = self.run_dir / f"workshelf-infra-{os.getuid()}"
        return launch.socket_path(directory, cli_pid)

    def start_prewarm(self, cli_pid: int) -> subprocess.Popen[bytes]:
        return self._start(
            [PYTHON, "-u", "-m", "infra.toolchain.prewarm", "--cli-pid", str(cli_pid)],
            cwd=REPO_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def start_launcher(self, cwd: Path) -> subprocess.Popen[bytes]:
        return self._start(
            [PYTHON, "-I", "-S", str(self.launcher), "127.0.0.1:1"],
            cwd=cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )

    def start_cli(self) -> subprocess.Popen[bytes]:
        """A stand-in for another `pulumi` process."""
        return self._start([PYTHON, "-c", "import time; time.sleep(60)"], start_new_session=True)

    def _start(self, args: list[str], **options: object) -> subprocess.Popen[bytes]:
        process: subprocess.Popen[bytes] = subprocess.Popen(args, **options)  # type: ignore[call-overload]
        self.started.append(process)
        return process


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    installed = tmp_path / "cli"
    installed.mkdir()
    shutil.copy2(Path(launch.__file__), installed / "provider_launch.py")
    fallback = installed / launch.SDK_SCRIPT
    fallback.write_text(FALLBACK)
    fallback.chmod(0o755)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    trace = tmp_path / "trace.jsonl"
    env = os.environ | {"XDG_RUNTIME_DIR": str(run_dir), "WORKSHELF_PREWARM_TRACE": str(trace)}
    running = Setup(run_dir, installed / "provider_launch.py", trace, env, [])
    yield running
    running.close()


def plugin_version(port: int) -> str:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        return str(stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version)


def claimed_provider(setup: Setup, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    """A warmed process claimed by a launcher: (launcher, provider pid, port)."""
    setup.start_prewarm(os.getpid())
    warmed = setup.wait_for("warmed")
    assert warmed["steps"] == len(prewarm.sdk_imports()) + len(prewarm.OURS) + len(prewarm.PREPARE)
    workdir = tmp_path / "project"
    workdir.mkdir()
    launcher = setup.start_launcher(workdir)
    assert launcher.stdout is not None
    port = int(launcher.stdout.readline())
    claim = setup.wait_for("claimed")
    assert claim["launcher"] == launcher.pid
    assert claim["pid"] == warmed["pid"]
    return launcher, int(str(claim["pid"])), port


def test_claimed__the_sdks_provider_serves_the_engine_from_the_warmed_process(setup: Setup, tmp_path: Path) -> None:
    _launcher, provider, port = claimed_provider(setup, tmp_path)
    assert plugin_version(port)  # the SDK's dynamic provider answers on the port it printed
    assert Path(f"/proc/{provider}/cwd").resolve() == (tmp_path / "project").resolve()
    assert not setup.socket_path(os.getpid()).exists()  # claimed once: nobody else can connect
    assert [e["event"] for e in setup.events()] == ["warmed", "claimed"]


def test_claimed__the_engines_interrupt_ends_both_processes(setup: Setup, tmp_path: Path) -> None:
    launcher, provider, _port = claimed_provider(setup, tmp_path)
    os.killpg(launcher.pid, signal.SIGINT)  # how the engine stops a plugin
    assert launcher.wait(timeout=10) == 0
    assert launcher.stdout is not None
    assert launcher.stdout.read() == b""  # the engine's pipe reaches its end: nobody holds it
    assert ended(provider, within=10)


def test_claimed__a_killed_launcher_takes_the_provider_with_it(setup: Setup, tmp_path: Path) -> None:
    launcher, provider, _port = claimed_provider(setup, tmp_path)
    os.killpg(launcher.pid, signal.SIGKILL)  # the engine's last resort
    launcher.wait()
    assert ended(provider, within=10)


def test_no_prewarmed_process__the_sdks_script_runs_instead(setup: Setup, tmp_path: Path) -> None:
    launcher = setup.start_launcher(tmp_path)
    assert launcher.stdout is not None
    out = launcher.stdout.read()
    assert launcher.wait(timeout=30) == 0
    assert out.decode() == "the SDK's script ran with: 127.0.0.1:1\n"
    (event,) = setup.events()
    assert event["event"] == "fallback"
    assert str(event["reason"]).startswith("FileNotFoundError")


def test_a_process_another_cli_started__is_refused(setup: Setup) -> None:
    other_cli = setup.start_cli()
    try:
        warm = setup.start_prewarm(other_cli.pid)
        setup.wait_for("warmed")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:  # this process's parent is not that CLI
            sock.connect(str(setup.socket_path(other_cli.pid)))
            message = launch.encode({"argv": [], "cwd": "/", "env": {}})
            socket.send_fds(sock, [message[:4]], [0, 1, 2])
            sock.sendall(message[4:])
            sock.settimeout(10)
            try:
                answer = sock.recv(1)
            except ConnectionResetError:  # closed with our message unread
                answer = b""
            assert answer == b""  # no READY: it will not serve us
        assert warm.poll() is None  # still waiting for its own CLI's launcher
        assert [e["event"] for e in setup.events()] == ["warmed"]
    finally:
        other_cli.kill()
        other_cli.wait()
    assert warm.wait(timeout=10) == 0  # ... until that CLI ended


def test_unclaimed__ends_with_the_cli_and_leaves_nothing_behind(setup: Setup) -> None:
    cli = setup.start_cli()
    warm = setup.start_prewarm(cli.pid)
    setup.wait_for("warmed")
    assert setup.socket_path(cli.pid).exists()
    cli.kill()
    cli.wait()
    assert warm.wait(timeout=10) == 0
    assert sorted(p.name for p in setup.socket_path(cli.pid).parent.iterdir()) == []


def test_one_process_per_cli(setup: Setup) -> None:
    cli = setup.start_cli()
    try:
        first = setup.start_prewarm(cli.pid)
        setup.wait_for("warmed")
        second = setup.start_prewarm(cli.pid)
        assert second.wait(timeout=10) == 0
        assert first.poll() is None
        assert [e["event"] for e in setup.events()] == ["warmed"]
    finally:
        cli.kill()
        cli.wait()
    assert first.wait(timeout=10) == 0


def test_socket_dir__only_a_directory_only_this_user_can_enter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    made = launch.socket_dir()
    assert made == tmp_path / f"workshelf-infra-{os.getuid()}"
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    made.chmod(0o755)  # e.g. made by someone else, or loosened: not trusted
    assert launch.socket_dir() is None
    made.rmdir()
    made.symlink_to(tmp_path)
    assert launch.socket_dir() is None
