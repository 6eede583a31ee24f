"""Our Go language host (infra/toolchain/langhost/), as `make setup` built it: its gRPC calls, and the
real engine running programs through it (config, secrets, output, failures, cancellation)."""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from infra.toolchain import hostbuild, setup
from infra.toolchain.paths import REPO_ROOT, cli_cache_dir
from tests.support.e2e import unavailable

pytestmark = pytest.mark.e2e

VENV = REPO_ROOT / ".venv"
PASSPHRASE = "host-test-passphrase"


def installed_host() -> Path:
    """The host `make setup` built from these sources (a skip locally, a failure under `make test`)."""
    host = hostbuild.host_dir(cli_cache_dir() / "bin", setup.sdk_version()) / hostbuild.HOST
    if not host.exists():
        unavailable(f"no language host built from these sources at {host}: run `make setup`")
    return host


@dataclass
class RunningHost:
    process: subprocess.Popen[str]
    channel: grpc.Channel
    stub: language_pb2_grpc.LanguageRuntimeStub

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()


def start_host() -> RunningHost:
    # Flags come before the engine's address, as the engine passes them.
    process = subprocess.Popen(
        [str(installed_host()), "-v=9", "127.0.0.1:1"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    return RunningHost(process, channel, language_pb2_grpc.LanguageRuntimeStub(channel))


@pytest.fixture(scope="module")
def host() -> Iterator[RunningHost]:
    running = start_host()
    yield running
    running.close()


def program_info(root: Path, **options: str) -> language_pb2.ProgramInfo:
    struct = struct_pb2.Struct()
    struct.update(options)
    return language_pb2.ProgramInfo(
        root_directory=str(root), program_directory=str(root), entry_point=".", options=struct
    )


# -- the calls, one by one ---------------------------------------------------------------------------
def test_plugin_info__is_the_pinned_python_sdk_version(host: RunningHost) -> None:
    assert host.stub.GetPluginInfo(empty_pb2.Empty()).version == setup.sdk_version()


def test_handshake__answers_empty(host: RunningHost) -> None:
    request = language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:2", root_directory=str(REPO_ROOT))
    assert host.stub.Handshake(request) == language_pb2.LanguageHandshakeResponse()


def test_about__names_the_projects_interpreter_and_its_version(host: RunningHost) -> None:
    about = host.stub.About(language_pb2.AboutRequest(info=program_info(REPO_ROOT, virtualenv=".venv")))
    assert about.executable == str(VENV / "bin" / "python")
    assert about.version == platform.python_version()  # the tests run in that virtualenv


def test_required_plugins_packages_and_prompts__are_none(host: RunningHost) -> None:
    info = program_info(REPO_ROOT, virtualenv=".venv")
    assert not host.stub.GetRequiredPlugins(language_pb2.GetRequiredPluginsRequest(info=info)).plugins
    assert not host.stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=info)).packages
    assert not host.stub.RuntimeOptionsPrompts(language_pb2.RuntimeOptionsRequest(info=info)).prompts


def test_program_dependencies__are_the_virtualenvs_packages(host: RunningHost) -> None:
    request = language_pb2.GetProgramDependenciesRequest(info=program_info(REPO_ROOT, virtualenv=str(VENV)))
    found = {d.name.lower(): d.version for d in host.stub.GetProgramDependencies(request).dependencies}
    assert found["pulumi"] == setup.sdk_version()
    assert found["pydantic"] == setup.pinned_requirement("pydantic").split("==")[1]


def test_install_dependencies__creates_the_virtualenv_then_reports_pips_failure(
    host: RunningHost, tmp_path: Path
) -> None:
    (tmp_path / "requirements.txt").write_text("./no-such-package\n")
    request = language_pb2.InstallDependenciesRequest(
        directory=str(tmp_path), info=program_info(tmp_path, virtualenv="venv")
    )
    replies = []
    with pytest.raises(grpc.RpcError) as caught:
        replies.extend(host.stub.InstallDependencies(request, timeout=300))
    assert (tmp_path / "venv" / "bin" / "python").exists()
    assert len(replies) == 2  # the virtualenv's creation, then pip's output
    assert b"no-such-package" in replies[1].stderr
    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    assert caught.value.details() == f"{tmp_path}/venv/bin/python -m pip install failed (1)"


def test_calls_it_does_not_implement__answer_unimplemented(host: RunningHost) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        host.stub.GenerateProgram(language_pb2.GenerateProgramRequest())
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_stopping__exits_at_once_with_status_0(sig: signal.Signals) -> None:
    running = start_host()
    try:
        running.stub.GetPluginInfo(empty_pb2.Empty())
        running.process.send_signal(sig)
        assert running.process.wait(timeout=5) == 0
    finally:
        running.close()


# -- the real engine running programs through it --------------------------------------------------------
@dataclass
class Project:
    root: Path
    env: dict[str, str]

    def pulumi(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(VENV / "bin" / "pulumi"), *args, "--non-interactive"],
            cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip

    def program(self, source: str) -> None:
        (self.root / "__main__.py").write_text(source)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    installed_host()
    root = tmp_path / "project"
    root.mkdir()
    # The project's virtualenv is this repository's (absolute), as a real project names its own.
    (root / "Pulumi.yaml").write_text(f"name: hosttest\nruntime:\n  name: python\n  options:\n    virtualenv: {VENV}\n")
    (tmp_path / "state").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env |= {
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_HOME": str(tmp_path / "home"),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"),
    }
    made = Project(root, env)
    assert made.pulumi("stack", "init", "test").returncode == 0
    return made


CONFIG_PROGRAM = """
import os
import pulumi

config = pulumi.Config()
print("hello from the program")
pulumi.export("greeting", config.require("greeting"))
pulumi.export("token", config.require_secret("token"))
pulumi.export("where", [pulumi.get_project(), pulumi.get_stack(), pulumi.get_organization(), os.getcwd()])
pulumi.export("unbuffered", os.environ.get("PYTHONUNBUFFERED"))
"""


def test_run__passes_config_secrets_and_identity_and_shows_the_programs_output(project: Project) -> None:
    project.program(CONFIG_PROGRAM)
    assert project.pulumi("config", "set", "greeting", "hi").returncode == 0
    assert project.pulumi("config", "set", "--secret", "token", "s3cret").returncode == 0
    up = project.pulumi("up", "--yes", "--skip-preview")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "hello from the program" in up.stdout
    outputs = json.loads(project.pulumi("stack", "output", "--json", "--show-secrets").stdout)
    assert outputs == {
        "greeting": "hi",
        "token": "s3cret",
        "where": ["hosttest", "test", "organization", str(project.root)],
        "unbuffered": "1",
    }
    hidden = json.loads(project.pulumi("stack", "output", "--json").stdout)
    assert hidden["token"] == "[secret]"  # the engine knew it was secret (PULUMI_CONFIG_SECRET_KEYS)


def test_run__an_unhandled_exception_is_shown_once_without_an_exit_code(project: Project) -> None:
    project.program("raise ValueError('the program broke')\n")
    preview = project.pulumi("preview")
    assert preview.returncode != 0
    assert "Program failed with an unhandled exception" in preview.stdout
    assert "ValueError: the program broke" in preview.stdout
    assert "non-zero exit code" not in preview.stdout + preview.stderr  # exit code 32: the host bails


def test_run__any_other_exit_code_is_reported(project: Project) -> None:
    project.program("import os\nos._exit(3)\n")
    preview = project.pulumi("preview")
    assert preview.returncode != 0
    assert "Program exited with non-zero exit code: 3" in preview.stdout + preview.stderr


def test_run__a_cancelled_command_interrupts_the_program(project: Project, tmp_path: Path) -> None:
    started = tmp_path / "program.pid"
    project.program(
        f"import os, pathlib, time\npathlib.Path({str(started)!r}).write_text(str(os.getpid()))\ntime.sleep(120)\n"
    )
    cli = subprocess.Popen(
        [str(VENV / "bin" / "pulumi"), "preview", "--non-interactive"],
        cwd=project.root, env=project.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline and cli.poll() is None:
        time.sleep(0.1)
    assert started.exists(), "the program never started"
    cli.send_signal(signal.SIGINT)  # as ^C does
    output, _ = cli.communicate(timeout=30)
    assert cli.returncode != 0
    assert "preview canceled" in output
    assert ended(int(started.read_text()), within=10)


def ended(pid: int, *, within: float) -> bool:
    """The process is gone or a zombie (orphans are reaped by whatever PID 1 the machine runs)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_host_is_what_the_wrapper_runs() -> None:
    """`.venv/bin/pulumi` execs the CLI from the host's directory, so the engine finds it there."""
    wrapper = (VENV / "bin" / "pulumi").read_text(errors="replace")
    if "workshelf-infra: pulumi wrapper" not in wrapper:
        pytest.skip("a Pulumi CLI from PATH runs its own language host")
    assert f'exec "{installed_host().parent / "pulumi"}" "$@"' in wrapper
    assert sys.executable.startswith(str(VENV))
