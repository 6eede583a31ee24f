"""One `health` run on the in-process emulator (fake clock) with a scripted database probe: the checks in
order, exit codes, Neon's side (branches, failed operations, declared vs actual, snapshots), an idle
compute left asleep, an unreachable database, the baseline kept for the next run."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pydantic import SecretStr

from infra.config import settings_from_stack_file
from infra.neon import NeonClient, models
from infra.ops.health.baseline import Baseline, Counters
from infra.ops.health.errors import HealthError
from infra.ops.health.probe import DatabaseFacts
from infra.ops.health.run import HealthContext, run_health
from infra.ops.times import at
from neon_emulator import FaultRule, NeonBackend
from tests.support.clock import FakeClock
from tests.support.pulumi_project import REPO
from tests.support.reporter import RecordingReporter
from tests.support.safety import StagingProject

ORDER = [
    "connection",
    "slow statements",
    "idle in transaction",
    "long-running statements",
    "deadlocks",
    "rollback ratio",
    "connections",
    "branches",
    "failed Neon operations",
    "declared retention and protection",
    "last passed restore drill",
    "newest snapshot",
]


@dataclass
class FakeProbe:
    facts_: DatabaseFacts | None = None
    error: HealthError | None = None
    saved: list[Baseline] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def facts(self, url: SecretStr, *, slow_ms: int, monotonic: Callable[[], float]) -> DatabaseFacts:
        self.asked.append(url.get_secret_value())
        if self.error is not None:
            raise self.error
        assert self.facts_ is not None
        return self.facts_

    def save_baseline(self, url: SecretStr, baseline: Baseline) -> None:
        self.saved.append(baseline)


def healthy(clock: FakeClock) -> DatabaseFacts:
    counters = Counters(stats_reset=None, commits=100, rollbacks=0, deadlocks=0)
    return DatabaseFacts(
        latency_ms=15.0,
        statements=[],
        sessions=[],
        connections=3,
        max_connections=100,
        counters=counters,
        baseline=Baseline(taken_at=at(clock.time()), counters=counters),
        last_passed_drill=None,  # staging's drill age is off (null) in its stack file
    )


@pytest.fixture
def world(
    staging: StagingProject, neon_factory: Callable[[], NeonClient], clock: FakeClock
) -> tuple[HealthContext, FakeProbe, StagingProject]:
    with neon_factory() as neon:  # what `pulumi up` declares for staging: a daily snapshot kept 7 days
        neon.update_project(staging.project_id, models.ProjectUpdate(history_retention_seconds=604_800))
        neon.set_backup_schedule(
            staging.project_id,
            staging.branch_id,
            [models.BackupScheduleItem(frequency="daily", hour=3, retention_seconds=7 * 86_400)],
        )
    clock.advance(24 * 3600)  # a scheduled snapshot is taken on the emulator's clock
    probe = FakeProbe(facts_=healthy(clock))
    ctx = HealthContext(
        settings=lambda stack: settings_from_stack_file(REPO, stack),
        outputs=lambda _stack: staging.outputs,
        neon=neon_factory,
        reporter=RecordingReporter(),
        clock=clock,
        probe=probe,
    )
    return ctx, probe, staging


def test_health__a_well_stack_is_ok_in_the_issues_order(world: tuple[HealthContext, FakeProbe, StagingProject]) -> None:
    ctx, probe, staging = world
    report = run_health(ctx, "staging")
    assert [c.name for c in report.checks] == ORDER
    assert {c.name: c.status for c in report.checks} == {
        **dict.fromkeys(ORDER, "ok"),
        "last passed restore drill": "skipped",
    }
    assert (report.status, report.exit_code) == ("ok", 0)
    assert probe.asked == [staging.outputs.database_url.get_secret_value()]
    assert len(probe.saved) == 1
    document = json.loads(report.to_json())
    branches = next(c for c in document["checks"] if c["name"] == "branches")
    assert branches == {
        "name": "branches",
        "status": "ok",
        "value": 10.0,
        "unit": " %",
        "threshold": {"warning": 80.0, "critical": 100.0},
        "detail": "1 of the 10 branches the launch plan allows",
        "hint": branches["hint"],
        "items": [],
    }
    assert (document["status"], document["exit_code"]) == ("ok", 0)


def test_health__declared_versus_actual_is_critical_when_backups_are_weaker(
    world: tuple[HealthContext, FakeProbe, StagingProject], neon_factory: Callable[[], NeonClient]
) -> None:
    ctx, _, staging = world
    with neon_factory() as neon:
        neon.update_project(staging.project_id, models.ProjectUpdate(history_retention_seconds=86_400))
        neon.set_backup_schedule(staging.project_id, staging.branch_id, [])
    report = run_health(ctx, "staging")
    check = next(c for c in report.checks if c.name == "declared retention and protection")
    assert check.status == "critical"
    assert check.detail == (
        "history kept 1 day, declared 7 days; backup schedule off, declared "
        "[{'frequency': 'daily', 'hour': 3, 'retention_seconds': 604800}]"
    )
    assert report.exit_code == 7


def test_health__failed_operations_in_the_last_day(
    world: tuple[HealthContext, FakeProbe, StagingProject], backend: NeonBackend, neon_factory: Callable[[], NeonClient]
) -> None:
    ctx, _, staging = world
    backend.faults.add(FaultRule(kind="operation_failed", count=1))
    with neon_factory() as neon, pytest.raises(Exception):  # noqa: B017, PT011  # the client surfaces it
        neon.create_branch(staging.project_id, models.BranchCreate(name="doomed"))
    report = run_health(ctx, "staging")
    check = next(c for c in report.checks if c.name == "failed Neon operations")
    assert (check.status, check.value) == ("warning", 1)
    assert check.items[0]["error"] == "emulator: injected operation failure"


def test_health__an_idle_compute_is_not_woken_unless_asked(
    world: tuple[HealthContext, FakeProbe, StagingProject], neon_factory: Callable[[], NeonClient]
) -> None:
    ctx, probe, staging = world
    with neon_factory() as neon:
        [endpoint] = neon.list_endpoints(staging.project_id, branch_id=staging.branch_id)
        neon.suspend_endpoint(staging.project_id, endpoint.id)
    report = run_health(ctx, "staging")
    connection = report.checks[0]
    assert (connection.name, connection.status) == ("connection", "skipped")
    assert connection.detail.startswith("the compute is idle (scaled to zero)")
    assert probe.asked == []
    run_health(ctx, "staging", wake=True)
    assert len(probe.asked) == 1


def test_health__an_unreachable_database_is_critical(world: tuple[HealthContext, FakeProbe, StagingProject]) -> None:
    ctx, probe, _ = world
    probe.error = HealthError("cannot connect to workshelf: connection refused")
    report = run_health(ctx, "staging")
    assert (report.checks[0].status, report.checks[0].detail) == (
        "critical",
        "cannot connect to workshelf: connection refused",
    )
    assert all(c.status == "skipped" for c in report.checks[1:7])
    assert report.exit_code == 7
    assert probe.saved == []


def test_health__snapshot_age_and_a_full_branch_budget(
    world: tuple[HealthContext, FakeProbe, StagingProject], clock: FakeClock, neon_factory: Callable[[], NeonClient]
) -> None:
    ctx, _, staging = world
    with neon_factory() as neon:
        neon.set_backup_schedule(staging.project_id, staging.branch_id, [])
        for n in range(8):
            neon.create_branch(staging.project_id, models.BranchCreate(name=f"backup/b{n}"))
    clock.advance(timedelta(hours=5).total_seconds())  # the daily snapshot (03:00) is now 28 hours old
    report = {c.name: c for c in run_health(ctx, "staging").checks}
    assert (report["branches"].status, report["branches"].value) == ("warning", 90.0)
    assert "oldest prunable: backup/b0 (" in report["branches"].detail
    assert report["newest snapshot"].status == "warning"
    assert report["newest snapshot"].value == pytest.approx(28, abs=0.1)  # plus the operations' fake seconds
