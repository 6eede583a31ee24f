"""Fixtures for the workflows on Neon stacks (tests/ops/safety, tests/ops/neon, tests/cli), registered
in tests/conftest.py.

Unit tier: the in-process emulator on a FakeClock (no sockets, no sleeps), a staging-like project,
and a SafetyContext whose outputs come from that project instead of Pulumi.
End-to-end tier (`safety_world`): the emulator server backed by a real PostgreSQL, and the real
staging stack deployed onto it with the Pulumi CLI; commands run as `python -m infra ...`.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra.config import settings_from_stack_file
from infra.neon import NeonClient, PollPolicy, RetryPolicy, models
from infra.ops.neon.target import StackOutputs
from infra.ops.safety.context import SafetyContext
from neon_emulator import EmulatorTransport, NeonBackend, PostgresBacking
from tests.support.clock import FakeClock
from tests.support.neon_world import E2E_API_KEY, NeonWorld, start_world
from tests.support.postgres import PgClusterHandle
from tests.support.pulumi_project import REPO, TEST_PASSPHRASE, CommandRun
from tests.support.reporter import RecordingReporter
from tests.support.safety_fakes import FakeDatabase, FakeRunner

API_KEY = "safety-unit-key-5f0e2c1d9a"
BASE_URL = "http://neon.test/api/v2"
RETENTION = 604_800  # staging's 7 days
HOUR = 3_600.0


# -- unit tier ------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend(clock: FakeClock) -> NeonBackend:
    """Launch, like the staging stack file: 10 branches, 2 protected branches, 7 days of history."""
    return NeonBackend(plan="launch", operation_seconds=2.0, clock=clock.time, seed=0)


@pytest.fixture
def neon_factory(backend: NeonBackend, clock: FakeClock) -> Callable[[], NeonClient]:
    def build() -> NeonClient:
        return NeonClient(
            API_KEY,
            BASE_URL,
            transport=EmulatorTransport(backend, sleep=clock.sleep),
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            clock=clock.time,
            rng=random.Random(7),
            retry=RetryPolicy(),
            poll=PollPolicy(),
        )

    return build


@dataclass
class StagingProject:
    """What `pulumi up --stack staging` would have made: a project with a protected default branch."""

    project_id: str
    branch_id: str
    outputs: StackOutputs


def deployed_project(neon: NeonClient, environment: str) -> StagingProject:
    """What `pulumi up --stack <environment>` would have made: its project, protected default branch, outputs."""
    created = neon.create_project(
        models.ProjectCreate(
            name=f"workshelf-{environment}",
            history_retention_seconds=RETENTION,
            branch=models.ProjectBranchSpec(name="main", database_name="workshelf", role_name="workshelf_owner"),
        )
    )
    neon.update_branch(created.project.id, created.branch.id, models.BranchUpdate(protected=True))
    outputs = StackOutputs(
        environment=environment,
        database_url=created.connection_uris[0].connection_uri,
        host="ep-host.example",
        database="workshelf",
        role="workshelf_owner",
        neon_project_id=created.project.id,
        neon_branch_id=created.branch.id,
    )
    return StagingProject(created.project.id, created.branch.id, outputs)


@pytest.fixture
def staging(neon_factory: Callable[[], NeonClient], clock: FakeClock) -> StagingProject:
    with neon_factory() as neon:
        project = deployed_project(neon, "staging")
    clock.advance(2 * HOUR)  # some history to drill into
    return project


@dataclass
class Harness:
    ctx: SafetyContext
    reporter: RecordingReporter
    runner: FakeRunner
    database: FakeDatabase
    staging: StagingProject
    neon: Callable[[], NeonClient]
    outputs_read: list[str] = field(default_factory=list)

    def branches(self) -> list[models.Branch]:
        with self.neon() as neon:
            return neon.list_branches(self.staging.project_id)

    def branch_names(self) -> list[str]:
        return sorted(b.name for b in self.branches())


@pytest.fixture
def harness(
    staging: StagingProject, neon_factory: Callable[[], NeonClient], clock: FakeClock, tmp_path: Path
) -> Harness:
    reporter, runner, database = RecordingReporter(), FakeRunner(), FakeDatabase()
    read: list[str] = []

    def outputs(stack: str) -> StackOutputs:
        read.append(stack)
        return staging.outputs

    ctx = SafetyContext(
        settings=lambda stack: settings_from_stack_file(REPO, stack),
        outputs=outputs,
        neon=neon_factory,
        reporter=reporter,
        clock=clock,
        runner=runner,
        database=database,
        report_dir=tmp_path / "reports",
        cwd=tmp_path,
    )
    return Harness(ctx, reporter, runner, database, staging, neon_factory, read)


# -- end-to-end tier ------------------------------------------------------------------------------


@dataclass
class SafetyWorld(NeonWorld):
    """The emulator (real PostgreSQL behind it) with a stack (staging unless said) deployed by the Pulumi CLI."""

    pg: PgClusterHandle | None = None
    stack: str = "staging"
    runs: list[CommandRun] = field(default_factory=list)
    outputs_cache: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {**self.project.env, "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE, "COLUMNS": "200"}

    def cli(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> CommandRun:
        """`python -m infra <args>` in the project copy (its own `infra/`), output kept for the secret scan."""
        argv = [str(REPO / ".venv" / "bin" / "python"), "-m", "infra", *args]
        done = subprocess.run(
            argv,
            cwd=self.project.root,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        run = CommandRun(argv, done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def plain_shell(self, command: str, cwd: Path, timeout: float = 300) -> CommandRun:
        """A printed command pasted into a fresh terminal elsewhere: no virtualenv, a bare PATH, only the
        operator's NEON_* and PULUMI_* variables (API key, backend, passphrase)."""
        env = {k: v for k, v in self.env.items() if k.startswith(("NEON_", "PULUMI_"))}
        env |= {"PATH": "/usr/bin:/bin", "HOME": self.env.get("HOME", "/root"), "COLUMNS": "200"}
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        run = CommandRun(["/bin/sh", "-c", command], done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def launcher(self) -> str:
        """How the project copy's follow-up commands start: it shares this clone's virtualenv, whose
        console script runs this clone's code, so the copy prints `cd <copy> && <python> -m infra`."""
        return f"cd {self.project.root} && {python()} -m infra"

    def outputs(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.project.outputs(self.stack, secrets=True).items()}

    def neon(self) -> NeonClient:
        return NeonClient(E2E_API_KEY, self.server.base_url)

    def branches(self) -> list[models.Branch]:
        with self.neon() as neon:
            return neon.list_branches(self.outputs_cache["neon_project_id"])

    def secrets(self) -> list[str]:
        """Every password the emulator knows (all branches' roles), the API key and the passphrase."""
        assert self.pg is not None
        found = [E2E_API_KEY, TEST_PASSPHRASE, self.pg.password]
        for project in self.backend.snapshot():
            for branch in project.branches.values():
                found += [r.password for r in branch.roles.values() if r.password]
        return found


@pytest.fixture(scope="module")
def safety_world(pg_cluster: PgClusterHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SafetyWorld]:
    # Launch plan: its limit of 2 protected branches is one of the refusals under test.
    backend, server, project = start_world(
        tmp_path_factory.mktemp("safety-world"), plan="launch", postgres=PostgresBacking(pg_cluster.admin_dsn)
    )
    try:
        project.init("staging")
        project.up("staging")
        world = SafetyWorld(backend, server, project, pg=pg_cluster)
        world.outputs_cache = world.outputs()
        yield world
    finally:
        server.stop()
        backend.reset()  # drops every database and role the emulator made on the shared cluster


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def python() -> str:
    return str(REPO / ".venv" / "bin" / "python")
