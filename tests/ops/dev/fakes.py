"""Fakes for the dev-database workflows: a scripted Pulumi, a native cluster, Docker, a reporter.

No sockets, no subprocesses, no sleeps: every decision the workflows make is observable here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.devdb.docker import DockerState, DockerStatus
from infra.localpg import (
    ClusterMarker,
    ClusterState,
    ClusterStatus,
    PgBinaries,
    PortHolder,
    ProbeResult,
    ProbeTarget,
)
from infra.ops.dev.deps import OnboardDeps
from infra.ops.dev.host import Host
from infra.ops.pulumi import PulumiPort, PulumiResult
from tests.support.clock import FakeClock
from tests.support.pulumi_project import REPO

NATIVE = PgBinaries(bindir=Path("/usr/lib/postgresql/15/bin"), major=15)
ENGINE = DockerStatus(state=DockerState.ENGINE, reason="a Docker engine answers at unix:///var/run/docker.sock")
NO_ENGINE = DockerStatus(
    state=DockerState.NO_ENGINE, reason="the docker CLI is installed but no engine answers", cli="/usr/bin/docker"
)
PASSWORD = "s3cret-Pa55word_xyz"  # distinctive, so tests can assert it never shows


def make_project(root: Path) -> Path:
    """The real stack files in `root`, with no other state."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml"):
        shutil.copy2(REPO / name, root / name)
    return root


def make_url(port: int = 55432, password: str = PASSWORD) -> str:
    return f"postgresql://workshelf:{password}@127.0.0.1:{port}/workshelf"


def up_events(changes: Mapping[str, int], *, errors: Sequence[str] = (), result: str = "succeeded") -> str:
    """`pulumi up --json` output: diagnostics, then the summary event."""
    lines = [{"diagnosticEvent": {"message": "dev engine: native\n", "severity": "info"}}]
    lines += [{"diagnosticEvent": {"message": message, "severity": "error"}} for message in errors]
    lines.append({"summaryEvent": {"resourceChanges": dict(changes), "result": result}})
    return "\n".join(json.dumps(line) for line in lines) + "\n"


@dataclass
class FakePulumi:
    """The dev stack in memory: `up` deploys `engine` (from the env) and exports `url`; calls are recorded."""

    stacks: set[str] = field(default_factory=set)
    engine: str | None = None
    url: str | None = None
    next_url: str = field(default_factory=make_url)
    up_stdout: str | None = None
    up_code: int = 0
    destroy_stdout: str = up_events({"delete": 3})
    calls: list[tuple[str, tuple[str, ...], dict[str, str]]] = field(default_factory=list)
    envs: list[dict[str, str]] = field(default_factory=list)

    def factory(self, extra: Mapping[str, str]) -> PulumiPort:
        self.envs.append(dict(extra))
        return _Bound(self, dict(extra))

    def deploy(self, engine: str, database_url: str | None = None) -> FakePulumi:
        self.stacks.add("dev")
        self.engine, self.url = engine, database_url or self.next_url
        return self

    def ran(self, verb: str) -> bool:
        return any(args[:1] == (verb,) for _stack, args, _env in self.calls)

    def export(self) -> str:
        resources: list[dict[str, Any]] = [{"type": "pulumi:pulumi:Stack", "outputs": {}}]
        if self.engine is not None:
            native = self.engine == "native"
            kind = "pulumi-python:dynamic/local:Postgres" if native else "docker:index/container:Container"
            resources.append({"type": kind, "outputs": {}})
            secret = {"4dabf18193072939515e22adb298388d": "1b47", "plaintext": json.dumps(self.url)}
            resources[0]["outputs"] = {"environment": "dev", "database_url": secret}
        return json.dumps({"version": 3, "deployment": {"resources": resources}})


@dataclass
class _Bound:
    fake: FakePulumi
    extra: dict[str, str]

    def run(self, stack: str, args: Sequence[str], *, check: bool = True, stream: bool = False) -> PulumiResult:
        fake = self.fake
        fake.calls.append((stack, tuple(args), self.extra))
        if tuple(args[:2]) == ("stack", "export"):
            return PulumiResult(0, fake.export(), "")
        if args[0] == "up":
            if fake.up_code == 0:
                changes = {"same": 3} if fake.engine == self.extra.get("WORKSHELF_DEV_ENGINE") else {"create": 3}
                stdout = fake.up_stdout or up_events(changes)
                fake.deploy(self.extra["WORKSHELF_DEV_ENGINE"], fake.url or fake.next_url)
                return PulumiResult(0, stdout, "")
            return PulumiResult(fake.up_code, fake.up_stdout or "", "boom")
        if args[0] == "destroy":
            fake.engine, fake.url = None, None
            return PulumiResult(0, fake.destroy_stdout, "")
        raise AssertionError(f"unexpected pulumi call: {args}")

    def stack_exists(self, stack: str) -> bool:
        self.fake.calls.append((stack, ("stack", "ls"), self.extra))
        return stack in self.fake.stacks

    def ensure_stack(self, stack: str) -> bool:
        self.fake.calls.append((stack, ("stack", "init"), self.extra))
        created = stack not in self.fake.stacks
        self.fake.stacks.add(stack)
        return created


def cluster_status(data_dir: Path, state: ClusterState, *, port: int = 55432, ours: bool = True,
                   major: int = 15, detail: str | None = None) -> ClusterStatus:  # fmt: skip
    marker = None
    if ours:
        marker = ClusterMarker(major=major, owner="postgres", superuser="workshelf_admin",
                               socket_dir=data_dir, created_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    running = state is ClusterState.RUNNING
    return ClusterStatus(
        state=state, data_dir=data_dir, detail=detail or str(state), ours=ours, marker=marker,
        pid=4242 if running else None, port=port if running else None,
    )  # fmt: skip


@dataclass
class FakeNative:
    state: ClusterState = ClusterState.ABSENT
    port: int = 55432
    ours: bool = True
    detail: str | None = None
    log: list[str] = field(default_factory=lambda: ["LOG:  database system is ready", "FATAL:  oh no"])
    stopped: int = 0
    destroyed: int = 0
    specs: list[Any] = field(default_factory=list)

    def open(self, spec: Any, _binaries: PgBinaries) -> FakeNative:
        self.specs.append(spec)
        return self

    def status(self) -> ClusterStatus:
        return cluster_status(Path("/p/.dev/pgdata"), self.state, port=self.port, ours=self.ours, detail=self.detail)

    def stop(self) -> ClusterStatus:
        self.stopped += 1
        self.state = ClusterState.STOPPED
        return self.status()

    def destroy(self) -> bool:
        self.destroyed += 1
        return True

    def log_tail(self, n: int) -> list[str]:
        return self.log[-n:]


@dataclass
class FakeDocker:
    """The docker CLI: answers per sub-command, recording argv."""

    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def __call__(self, argv: Sequence[str]) -> tuple[int, str]:
        self.calls.append(tuple(argv))
        return self.answers.get(argv[1], (1, "Error: No such container: workshelf-dev-postgres-55432"))


@dataclass
class World:
    """Every fake behind one OnboardDeps; tweak fields, then call `deps()`."""

    pulumi: FakePulumi = field(default_factory=FakePulumi)
    native: FakeNative = field(default_factory=FakeNative)
    docker_cli: FakeDocker = field(default_factory=FakeDocker)
    docker: DockerStatus = NO_ENGINE
    binaries: PgBinaries | None = NATIVE
    free_ports: set[int] | None = None  # None: every port is free
    holder: PortHolder | None = None
    probe_ok: bool = True
    probes: list[tuple[ProbeTarget, float]] = field(default_factory=list)
    installs: list[str] = field(default_factory=list)
    install_result: PgBinaries | Exception = NATIVE
    clock: FakeClock = field(default_factory=FakeClock)
    toolchain: list[str | None] = field(default_factory=lambda: [None])
    setups: int = 0
    run_as_problem: str | None = None
    git_ignored: bool | None = True
    which: dict[str, str] = field(default_factory=lambda: {"psql": "/usr/bin/psql"})
    python_version: tuple[int, ...] = (3, 11, 7)
    environ: dict[str, str] = field(default_factory=dict)  # the developer's shell: no overrides unless a test sets them

    def deps(self) -> OnboardDeps:
        host = Host(
            detect_docker=lambda: self.docker, find_binaries=lambda _d, _m: self.binaries, native=self.native.open,
            docker=self.docker_cli, port_free=self._port_free, port_holder=lambda _p: self.holder,
            next_free_port=lambda start: start,
        )  # fmt: skip
        return OnboardDeps(
            pulumi=self.pulumi.factory, host=host, install_binaries=self._install, probe=self._probe,
            clock=self.clock.monotonic, python_version=self.python_version, toolchain_problem=self._toolchain,
            run_setup=self._setup, run_as_problem=lambda: self.run_as_problem,
            git_ignored=lambda _p: self.git_ignored, which=self.which.get, environ=self.environ,
        )  # fmt: skip

    def replace(self, **changes: Any) -> World:
        return replace(self, **changes)

    def _port_free(self, port: int) -> bool:
        return self.free_ports is None or port in self.free_ports

    def _install(self, say: Any) -> PgBinaries:
        say("Setting up postgresql-15 ...")
        self.installs.append("postgresql")
        if isinstance(self.install_result, Exception):
            raise self.install_result
        self.binaries = self.install_result
        return self.install_result

    def _probe(self, target: ProbeTarget, timeout: float) -> ProbeResult:
        self.probes.append((target, timeout))
        self.clock.advance(0.25)
        if self.probe_ok:
            return ProbeResult(ok=True, attempts=1, elapsed_s=0.25, latency_s=0.01, server_version="15.18")
        self.clock.advance(timeout)
        return ProbeResult(ok=False, attempts=9, elapsed_s=timeout, error=f"not ready after {timeout:g}s: refused")

    def _toolchain(self) -> str | None:
        return self.toolchain.pop(0) if len(self.toolchain) > 1 else self.toolchain[0]

    def _setup(self) -> int:
        self.setups += 1
        return 0
