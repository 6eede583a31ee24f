"""The prewarmed dynamic-provider process and its launcher, as real processes on a Unix socket.

The test process plays the CLI: it is the parent of both the prewarmed process (started with
`--cli-pid` = its own pid) and the launcher, as the engine is. The provider they set up is the SDK's
own gRPC server, asked for its plugin info over loopback.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pickle
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

import dill
import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from infra.toolchain import prewarm
from infra.toolchain import provider_launch as launch
from infra.toolchain.paths import REPO_ROOT
from tests.support.probe_providers import GatedProvider, ProbeProvider, release
from tests.toolchain.test_langhost import ended, installed_host

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
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()

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

    def start_prewarm(
        self, cli_pid: int, cwd: Path = REPO_ROOT, python: str = PYTHON, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        return self._start(
            [python, "-u", "-m", "infra.toolchain.prewarm", "--cli-pid", str(cli_pid)],
            cwd=cwd,
            env=self.env if env is None else env,
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

    def start_plugin(self, executable: Path, cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """The dynamic-provider plugin as the engine starts it: its own process group, pipes."""
        return self._start(
            [str(executable), "127.0.0.1:1"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
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
    env = os.environ | {
        "XDG_RUNTIME_DIR": str(run_dir),
        "WORKSHELF_PREWARM_TRACE": str(trace),
        "PYTHONPATH": str(REPO_ROOT),  # the processes run in the project's copy, as `python -m` imports from it
    }
    running = Setup(run_dir, installed / "provider_launch.py", trace, env, [])
    yield running
    running.close()


def plugin_version(port: int) -> str:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        return str(stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version)


def claimed_provider(setup: Setup, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    """A warmed process claimed by a launcher in the same directory: (launcher, provider pid, port)."""
    workdir = tmp_path / "project"
    workdir.mkdir()
    setup.start_prewarm(os.getpid(), cwd=workdir)
    warmed = setup.wait_for("warmed")
    assert warmed["steps"] == len(prewarm.sdk_imports()) + len(prewarm.OURS) + len(prewarm.PREPARE)
    launcher = setup.start_launcher(workdir)
    assert launcher.stdout is not None
    port = int(launcher.stdout.readline())
    claim = setup.wait_for("claimed")
    assert claim["launcher"] == launcher.pid
    assert claim["pid"] == warmed["pid"]
    return launcher, int(str(claim["pid"])), port


def answer(sock: socket.socket) -> bytes:
    """The prewarmed process's answer to a hand-over: READY, or b"" when it closed the connection."""
    sock.settimeout(10)
    try:
        return sock.recv(1)
    except ConnectionResetError:  # closed with our message unread
        return b""


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


@dataclass
class InFlight:
    """A create waiting at its gate in the claimed provider, and the child process it started."""

    log: Path
    gate: Path
    child: int
    call: grpc.Future


def create_request(provider: ResourceProvider, **inputs: str) -> provider_pb2.CreateRequest:
    """The engine's Create for a dynamic resource of `provider` (pickled as the SDK does)."""
    pickled = base64.b64encode(dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)).decode()
    properties = struct_pb2.Struct()
    properties.update({"__provider": pickled, **inputs})
    return provider_pb2.CreateRequest(urn="urn:pulumi:s::p::pulumi-python:dynamic:Resource::r", properties=properties)


def create_in_flight(port: int, tmp_path: Path, channel: grpc.Channel) -> InFlight:
    log, gate = tmp_path / "create.log", tmp_path / "gate"
    os.mkfifo(gate)
    request = create_request(GatedProvider(), log=str(log), gate=str(gate))
    call = provider_pb2_grpc.ResourceProviderStub(channel).Create.future(request, timeout=60)
    deadline = time.monotonic() + 20
    while not (log.exists() and log.read_text().startswith("started ")):
        assert time.monotonic() < deadline, "the create did not start"
        time.sleep(0.02)
    return InFlight(log, gate, int(log.read_text().split()[1]), call)


def open_gate(gate: Path, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            release(gate)
            return
        except OSError:  # the create has not opened it yet
            assert time.monotonic() < deadline, "no create waits at the gate"
            time.sleep(0.02)


def test_claimed__the_engines_interrupt_lets_a_request_in_flight_finish(setup: Setup, tmp_path: Path) -> None:
    """As in the SDK's process: the server stops, the create in flight runs to its end, then it exits;
    the interrupt reaches the provider's whole group (a child it started), as the engine sends it."""
    launcher, provider, port = claimed_provider(setup, tmp_path)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        create = create_in_flight(port, tmp_path, channel)
        try:
            os.killpg(launcher.pid, signal.SIGINT)
            assert not ended(provider, within=1)  # waits for the create, which waits at its gate
            assert ended(create.child, within=10)  # interrupted with the provider's group
            open_gate(create.gate)
            assert launcher.wait(timeout=10) == 0
            assert create.log.read_text() == f"started {create.child}\ndone\n"
            assert ended(provider, within=10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(create.child, signal.SIGKILL)


def test_claimed__a_killed_launcher_takes_the_providers_group_with_it(setup: Setup, tmp_path: Path) -> None:
    launcher, provider, port = claimed_provider(setup, tmp_path)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        create = create_in_flight(port, tmp_path, channel)
        try:
            os.killpg(launcher.pid, signal.SIGKILL)  # the engine's last resort, on the plugin's group
            launcher.wait()
            assert ended(provider, within=10)
            assert ended(create.child, within=10)  # as the engine's SIGKILL of the SDK's group does
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(create.child, signal.SIGKILL)


def test_a_launcher_in_another_directory__runs_the_sdks_script(setup: Setup, tmp_path: Path) -> None:
    """`python -m pulumi.dynamic` imports from its directory: the process warmed in another one would not
    be the SDK's provider (the same goes for another virtualenv)."""
    warm = setup.start_prewarm(os.getpid(), cwd=REPO_ROOT)
    setup.wait_for("warmed")
    launcher = setup.start_launcher(tmp_path)
    out, _ = launcher.communicate(timeout=30)
    assert (launcher.returncode, out.decode()) == (0, "the SDK's script ran with: 127.0.0.1:1\n")
    assert [(e["event"], e.get("reason")) for e in setup.events()] == [
        ("warmed", None),
        ("fallback", "ConnectionAbortedError: the prewarmed process did not take the provider over"),
    ]
    assert warm.poll() is None  # still there for a launcher of its own


def test_claimed__refuses_a_launcher_once_its_cli_has_ended(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI's process id may go to a new CLI while the process waits in accept(): checked again."""
    starts = iter(["100", "100"])  # when it started waiting, and the loop's check; then another process
    monkeypatch.setattr(prewarm, "started_at", lambda _pid: next(starts, "200"))
    root = (Path(PYTHON).parent.resolve(), tmp_path.resolve())
    message = launch.encode({"argv": [], "cwd": str(tmp_path), "env": {}, "python": PYTHON})
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(tmp_path / "provider.sock"))
        listener.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(tmp_path / "provider.sock"))  # this process: its parent plays the CLI
            socket.send_fds(sock, [message[:4]], [0, 1, 2])
            sock.sendall(message[4:])
            assert prewarm.claimed(listener, os.getppid(), root) is None
            assert answer(sock) == b""  # closed without READY


def probed(setup: Setup, plugin: Path, project: Path, env: dict[str, str], out: Path) -> dict[str, object]:
    """What the provider process that `plugin` starts runs with, seen by a create; then the engine stops it."""
    process = setup.start_plugin(plugin, project, env)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Create(create_request(ProbeProvider(), out=str(out)), timeout=60)
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=20)
    seen: dict[str, object] = json.loads(out.read_text())
    return seen


def test_the_provider_runs_with_what_the_sdks_script_gives_it(setup: Setup, tmp_path: Path) -> None:
    """Environment, directory, arguments and import path: the same through our launcher and the
    prewarmed process (started as our language host starts it) as through the SDK's script."""
    installed = installed_host().parent
    project = tmp_path / "project"
    project.mkdir()
    venv = project / ".venv"
    venv.symlink_to(REPO_ROOT / ".venv")
    env = setup.env | {"PULUMI_RUNTIME_VIRTUALENV": ".venv"}  # Pulumi.yaml's option, as the engine passes it
    sdk = probed(setup, installed / "pulumi-resource-pulumi-python.sdk", project, env, tmp_path / "sdk.json")
    host_env = {k: v for k, v in setup.env.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    host_env |= {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{setup.env['PATH']}"}
    setup.start_prewarm(os.getpid(), cwd=project, python=str(venv / "bin" / "python"), env=host_env)
    setup.wait_for("warmed")
    ours = probed(setup, installed / "pulumi-resource-pulumi-python", project, env, tmp_path / "ours.json")
    assert [e["event"] for e in setup.events()] == ["warmed", "claimed"]
    assert ours == sdk


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
            assert answer(sock) == b""  # no READY: it will not serve us
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
