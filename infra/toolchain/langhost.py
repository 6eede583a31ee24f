"""A Pulumi language host for Python programs, used where the Go one cannot be built.

Why this exists: the Go module proxy serves `github.com/pulumi/pulumi/pkg/v3` (the CLI) but refuses
`sdk/python/cmd/pulumi-language-python/v3` (it has no version tags; every query answers 403), so
`pulumi-language-python` cannot be built offline. The engine finds language hosts by name on PATH
(`pulumi-language-<runtime>`), starts them with the engine address as the last argument and talks
gRPC (`pulumirpc.LanguageRuntime`). This host implements the calls the engine makes for
`preview`/`up`/`refresh`/`destroy`, and runs the program through upstream's
`pulumi-language-python-exec` (shipped in the `sdk/v3` module, installed next to this file by
`make setup`), exactly as the Go host does.

`make setup` installs this file as `.venv/bin/pulumi-language-python`. Where a real Pulumi CLI is
installed (a laptop), its own host is used instead and this file is not involved.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any


def _skip_sdk_init() -> None:
    """Import the engine's gRPC stubs without running the `pulumi` SDK's package initialisers.

    The engine starts this host twice per command (once for `About`, once to run the program) and
    waits for it each time: `import pulumi` alone costs ~150 ms (the whole SDK: automation API,
    OpenTelemetry, asyncio), the stubs ~15 ms. Empty package modules pointing at the SDK's
    directories let `pulumi.runtime.proto.language_pb2` load on its own. Nothing else of the SDK is
    used in this process (the program runs in its own interpreter, with the full SDK). Only done
    when this file runs as the host: a process that imports this module keeps the real package.
    """
    spec = importlib.util.find_spec("pulumi")
    if spec is None or not spec.submodule_search_locations or "pulumi" in sys.modules:
        return
    root = Path(next(iter(spec.submodule_search_locations)))
    for name, directory in (
        ("pulumi", root),
        ("pulumi.runtime", root / "runtime"),
        ("pulumi.runtime.proto", root / "runtime" / "proto"),
    ):
        package = types.ModuleType(name)
        package.__path__ = [str(directory)]
        sys.modules[name] = package


if __name__ == "__main__":
    _skip_sdk_init()

import grpc  # noqa: E402  # after _skip_sdk_init, like the stubs
from google.protobuf import empty_pb2, struct_pb2  # noqa: E402
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2  # noqa: E402

# The exec helper exits with this code after it has shown the user an actionable message.
_BAIL_EXIT_CODE = 32
_EXEC_HELPER = "pulumi-language-python-exec"


def sdk_version() -> str:
    """The Python SDK's version; its own constant is cheap, importlib.metadata (~40 ms) the fallback."""
    try:
        from pulumi._version import _VERSION  # private, hence the fallback

        return str(_VERSION)
    except (ImportError, AttributeError):
        from importlib import metadata

        return metadata.version("pulumi")


def _options(info: language_pb2.ProgramInfo | None) -> dict[str, Any]:
    if info is None or not info.HasField("options"):
        return {}
    return _struct_to_dict(info.options)


def _struct_to_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    from google.protobuf import json_format

    result: dict[str, Any] = json_format.MessageToDict(value)
    return result


def python_for(root: str, options: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The interpreter and environment a program runs with: the project's virtualenv if set."""
    env = dict(os.environ)
    venv = options.get("virtualenv") or os.environ.get("PULUMI_RUNTIME_VIRTUALENV")
    if venv:
        venv_dir = Path(venv) if Path(venv).is_absolute() else Path(root) / venv
        env["VIRTUAL_ENV"] = str(venv_dir)
        env["PATH"] = f"{venv_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.pop("PYTHONHOME", None)
        return str(venv_dir / "bin" / "python"), env
    return os.environ.get("PULUMI_PYTHON_CMD", "python3"), env


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The subset of `pulumirpc.LanguageRuntime` that deployments need."""

    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self._children: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    # -- metadata -------------------------------------------------------------------------
    def Handshake(
        self, request: language_pb2.LanguageHandshakeRequest, _context: grpc.ServicerContext
    ) -> language_pb2.LanguageHandshakeResponse:
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, _request: empty_pb2.Empty, _context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=sdk_version())

    def About(self, request: language_pb2.AboutRequest, _context: grpc.ServicerContext) -> language_pb2.AboutResponse:
        python, env = python_for(request.info.root_directory, _options(request.info))
        version = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return language_pb2.AboutResponse(executable=python, version=version)

    def GetRequiredPlugins(
        self, _request: language_pb2.GetRequiredPluginsRequest, _context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPluginsResponse:
        # Plugins are loaded lazily when a resource needs one; reporting none avoids an up-front
        # download attempt for pulumi-docker's plugin on machines without network or Docker.
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(
        self, _request: language_pb2.GetRequiredPackagesRequest, _context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPackagesResponse:
        return language_pb2.GetRequiredPackagesResponse()

    def RuntimeOptionsPrompts(
        self, _request: language_pb2.RuntimeOptionsRequest, _context: grpc.ServicerContext
    ) -> language_pb2.RuntimeOptionsResponse:
        return language_pb2.RuntimeOptionsResponse()

    def GetProgramDependencies(
        self, request: language_pb2.GetProgramDependenciesRequest, _context: grpc.ServicerContext
    ) -> language_pb2.GetProgramDependenciesResponse:
        python, env = python_for(request.info.root_directory, _options(request.info))
        listed = subprocess.run(
            [python, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        deps = json.loads(listed.stdout or "[]")
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[language_pb2.DependencyInfo(name=d["name"], version=d["version"]) for d in deps]
        )

    # -- dependencies -----------------------------------------------------------------------
    def InstallDependencies(
        self, request: language_pb2.InstallDependenciesRequest, _context: grpc.ServicerContext
    ) -> Iterator[language_pb2.InstallDependenciesResponse]:
        root = request.info.root_directory or request.directory
        venv = _options(request.info).get("virtualenv")
        steps: list[list[str]] = []
        if venv:
            venv_dir = Path(venv) if Path(venv).is_absolute() else Path(root) / venv
            if not (venv_dir / "bin" / "python").exists():
                steps.append([sys.executable, "-m", "venv", str(venv_dir)])
            python = str(venv_dir / "bin" / "python")
        else:
            python = os.environ.get("PULUMI_PYTHON_CMD", "python3")
        requirements = Path(root) / "requirements.txt"
        if requirements.exists():
            steps.append([python, "-m", "pip", "install", "-q", "-r", str(requirements)])
        for step in steps:
            done = subprocess.run(step, capture_output=True, check=False, cwd=root)
            yield language_pb2.InstallDependenciesResponse(stdout=done.stdout, stderr=done.stderr)
            if done.returncode != 0:
                _context.abort(grpc.StatusCode.UNKNOWN, f"{' '.join(step[:4])} failed ({done.returncode})")

    # -- running programs ---------------------------------------------------------------------
    def Run(self, request: language_pb2.RunRequest, _context: grpc.ServicerContext) -> language_pb2.RunResponse:
        root = request.info.root_directory or request.pwd
        python, env = python_for(root, _options(request.info))
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        env["PYTHONUNBUFFERED"] = "1"
        helper = Path(__file__).resolve().parent / _EXEC_HELPER
        if not helper.exists():
            return language_pb2.RunResponse(error=f"missing executor {helper}: run `make setup`")
        program = request.info.program_directory or request.program or "."
        cmd = [
            python,
            "-u",
            str(helper),
            "--monitor",
            request.monitor_address,
            "--engine",
            self.engine_address,
            "--project",
            request.project,
            "--stack",
            request.stack,
            "--pwd",
            request.pwd,
            "--dry_run",
            "true" if request.dryRun else "false",
            "--parallel",
            str(request.parallel),
            "--organization",
            request.organization or "organization",
            "--root_directory",
            root,
            program,
            *request.args,
        ]
        try:
            child = subprocess.Popen(cmd, env=env, cwd=request.pwd or root)
        except OSError as exc:
            return language_pb2.RunResponse(error=f"could not start {python}: {exc}")
        with self._lock:
            self._children.add(child)
        try:
            code = child.wait()
        finally:
            with self._lock:
                self._children.discard(child)
        if code == 0:
            return language_pb2.RunResponse()
        if code == _BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {code}")

    def Cancel(self, _request: empty_pb2.Empty, _context: grpc.ServicerContext) -> empty_pb2.Empty:
        self.cancel_children()
        return empty_pb2.Empty()

    def cancel_children(self) -> None:
        with self._lock:
            for child in self._children:
                child.send_signal(signal.SIGINT)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # The engine passes flags (e.g. -v=9, -tracing) before the engine address, which comes last.
    positional = [a for a in args if not a.startswith("-")]
    engine_address = positional[-1] if positional else ""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    host = LanguageHost(engine_address)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The plugin handshake: the first line on stdout is the port to dial.
    print(port, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    # The engine interrupts its plugins when it is done and waits for them to exit: it has already
    # cancelled any program run (`Cancel`), so there is nothing to drain or clean up.
    host.cancel_children()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
