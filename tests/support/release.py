"""Fixtures for previews and releases (tests/ops/preview, tests/ops/release, tests/cli), registered in
tests/conftest.py.

Unit tier (`release_harness`): staging and production projects on the in-process emulator (FakeClock),
each stack's outputs, the migrations' fake database and runner, and an in-memory release log.
End-to-end tier (`release_world`): the emulator server backed by a real PostgreSQL, and the staging and
production stacks deployed onto it by the Pulumi CLI (scale plan: production's 30 days of history fit);
session scope, so the preview and release scenarios share one deployment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

import psycopg
import pytest
from pydantic import SecretStr

from infra.neon import NeonClient, models
from infra.ops.neon.target import StackOutputs
from infra.ops.release.context import ReleaseContext
from infra.ops.release.record import Outcome, ReleaseRecord
from neon_emulator import PostgresBacking
from tests.support.clock import FakeClock
from tests.support.migrations import FakeMigrationDatabase, migrations_of
from tests.support.neon_world import start_world
from tests.support.postgres import PgClusterHandle
from tests.support.reporter import RecordingReporter
from tests.support.safety import Harness, SafetyWorld, StagingProject, deployed_project
from tests.support.safety_fakes import FakeDatabase, FakeRunner

SHA = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class MemoryReleaseLog:
    """The ReleaseLog of the tests: rows per database URL, newest last."""

    rows: dict[str, list[ReleaseRecord]] = field(default_factory=dict)

    def write(self, url: SecretStr, record: ReleaseRecord) -> ReleaseRecord:
        kept = self.rows.setdefault(url.get_secret_value(), [])
        stored = record.model_copy(update={"id": len(kept) + 1})
        kept.append(stored)
        return stored

    def read(self, url: SecretStr, *, limit: int, outcome: Outcome | None = None) -> list[ReleaseRecord]:
        rows = [r for r in reversed(self.rows.get(url.get_secret_value(), [])) if outcome in (None, r.outcome)]
        return rows[:limit]


@dataclass
class ReleaseHarness:
    ctx: ReleaseContext
    reporter: RecordingReporter
    runner: FakeRunner
    database: FakeDatabase  # answers the checks
    migrations: FakeMigrationDatabase  # follows the upgrades; its `applied` is what the lint starts from
    log: MemoryReleaseLog
    stacks: dict[str, StagingProject]
    neon: Callable[[], NeonClient]
    outputs_read: list[str]

    def url(self, stack: str) -> str:
        return self.stacks[stack].outputs.database_url.get_secret_value()

    def branch_names(self, stack: str) -> list[str]:
        with self.neon() as neon:
            return sorted(b.name for b in neon.list_branches(self.stacks[stack].project_id))


@pytest.fixture
def release_harness(harness: Harness, clock: FakeClock) -> ReleaseHarness:
    """The migrations' harness (a fake migration database that follows the upgrades the fake runner is
    given; the lint runs Alembic for real, offline, on the sample project), plus production; each stack's
    own outputs, and an in-memory release log."""
    migrations = migrations_of(harness)
    with harness.neon() as neon:
        stacks = {"staging": harness.staging, "production": deployed_project(neon, "production")}
    # 2026-01-01 is a Thursday: 02:30 UTC is 03:30 in Berlin, inside production's Mon-Fri 01:00-05:00 window.
    step = 2.5 * 3_600 - (clock.time() % 86_400)
    if step <= 0:
        raise RuntimeError("the harness's clock is already past 02:30 UTC; the window tests assume Thursday 02:30")
    clock.advance(step)
    log = MemoryReleaseLog()

    def outputs(stack: str) -> StackOutputs:
        harness.outputs_read.append(stack)
        return stacks[stack].outputs

    base = {f.name: getattr(migrations.ctx, f.name) for f in fields(migrations.ctx)}
    ctx = ReleaseContext(**(base | {"outputs": outputs}), records=log, commit=lambda _cwd: SHA)
    return ReleaseHarness(
        ctx,
        harness.reporter,
        harness.runner,
        harness.database,
        migrations.db,
        log,
        stacks,
        harness.neon,
        harness.outputs_read,
    )


# -- end-to-end tier ------------------------------------------------------------------------------


@dataclass
class ReleaseWorld(SafetyWorld):
    """A SafetyWorld with both Neon stacks; `stack_outputs[stack]` holds each one's outputs (secrets too)."""

    stack_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def url(self, stack: str) -> str:
        return self.stack_outputs[stack]["database_url"]

    def branches_of(self, stack: str) -> list[models.Branch]:
        with self.neon() as neon:
            return neon.list_branches(self.stack_outputs[stack]["neon_project_id"])

    def query(self, url: str, sql: str) -> list[tuple[object, ...]]:
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(sql.encode())
            return list(cursor.fetchall()) if cursor.description else []

    def leaked(self) -> list[tuple[str, list[str]]]:
        """(secret's first characters, command) for every secret in any output but `preview create -o env`'s."""
        secrets = self.secrets()
        shown = [run for run in self.runs if not ("-o" in run.args and "env" in run.args)]
        return [(secret[:4], run.args) for run in shown for secret in secrets if secret in run.output]

    def set_window(self, window: str) -> None:
        """Production's `release.window` in the project copy (what a pull request would change)."""
        self.project.set_config("production", "release", "window", window)


@pytest.fixture(scope="session")
def release_world(pg_cluster: PgClusterHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReleaseWorld]:
    backend, server, project = start_world(
        tmp_path_factory.mktemp("release-world"), plan="scale", postgres=PostgresBacking(pg_cluster.admin_dsn)
    )
    try:
        world = ReleaseWorld(backend, server, project, pg=pg_cluster)
        for stack in ("staging", "production"):
            project.init(stack)
            project.up(stack)
            world.stack_outputs[stack] = {k: str(v) for k, v in project.outputs(stack, secrets=True).items()}
        world.outputs_cache = world.stack_outputs["staging"]
        yield world
    finally:
        server.stop()
        backend.reset()
