"""`backups list|prune|snapshot`, `restore-drill`'s exit 9 and `health`'s exit codes through typer."""

from __future__ import annotations

import json

import pytest

from infra.neon import models
from infra.ops.health.run import HealthContext
from infra.ops.safety.drill import NOTHING_PROVED
from tests.cli.test_safety import invoke
from tests.ops.health.test_run import FakeProbe, healthy
from tests.support.clock import FakeClock
from tests.support.pulumi_project import REPO
from tests.support.reporter import RecordingReporter
from tests.support.safety import Harness


def test_restore_drill__proving_nothing_exits_9(cli: Harness) -> None:
    cli.database.tables = []
    code, stdout, _ = invoke("restore-drill", "--stack", "staging")
    assert code == 9
    assert f"  problem: {NOTHING_PROVED}" in stdout
    assert invoke("restore-drill", "--stack", "staging", "--allow-no-checks")[0] == 0


def test_restore_drill__a_snapshot_with_a_point_is_a_refusal(cli: Harness) -> None:
    code, _, stderr = invoke("restore-drill", "--stack", "staging", "--from-snapshot", "latest", "--ago", "1h")
    assert code == 1
    assert stderr.startswith("error: a snapshot has its own point in time: give --from-snapshot without --at or --ago")


def test_backups__snapshot_list_json_and_prune(cli: Harness, clock: FakeClock) -> None:
    for n in range(3):
        clock.advance(60)
        code, stdout, stderr = invoke("backups", "snapshot", "--stack", "staging", "--name", f"s{n}")
        assert code == 0, stderr
        assert stdout.startswith(f"snapshot: s{n} (")
    code, stdout, _ = invoke("backups", "list", "--stack", "staging", "-o", "json")
    assert code == 0
    listed = json.loads(stdout)
    assert [(e["name"], e["kind"], e["protected"]) for e in listed] == [
        ("s2", "manual snapshot", False),
        ("s1", "manual snapshot", False),
        ("s0", "manual snapshot", False),
    ]
    assert set(listed[0]) == {"kind", "id", "name", "created", "expires", "protected", "source", "children"}
    code, stdout, _ = invoke("backups", "prune", "--stack", "staging", "--keep", "1", "--dry-run")
    assert code == 0
    assert stdout.splitlines()[-1] == "staging: would delete 2 of 3 backups (the newest 1 of each kind kept)"
    code, stdout, _ = invoke("backups", "prune", "--stack", "staging", "--keep", "1")
    assert stdout.splitlines()[-1] == "staging: deleted 2 of 3 backups (the newest 1 of each kind kept)"
    assert len(json.loads(invoke("backups", "list", "--stack", "staging", "-o", "json")[1])) == 1


def test_backups__list_says_when_there_is_nothing(cli: Harness) -> None:
    assert invoke("backups", "list", "--stack", "staging")[1] == "staging has no backup branches or snapshots\n"


def test_backups__prune_refuses_a_negative_keep(cli: Harness) -> None:
    code, _, stderr = invoke("backups", "prune", "--stack", "staging", "--keep", "-1")
    assert code == 2
    assert "--keep" in stderr
    assert stderr == "error: Invalid value for '--keep': '-1' is not a whole number of 0 or more\n"


@pytest.fixture
def health_cli(harness: Harness, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> FakeProbe:
    """Staging as `pulumi up` leaves it (its daily schedule, a recent snapshot), a scripted database."""
    probe = FakeProbe(facts_=healthy(clock))
    with harness.neon() as neon:
        neon.set_backup_schedule(
            harness.staging.project_id,
            harness.staging.branch_id,
            [models.BackupScheduleItem(frequency="daily", hour=3, retention_seconds=7 * 86_400)],
        )
        neon.create_snapshot(harness.staging.project_id, harness.staging.branch_id, name="recent")
    ctx = HealthContext(
        settings=harness.ctx.settings,
        outputs=harness.ctx.outputs,
        neon=harness.neon,
        reporter=RecordingReporter(),
        clock=clock,
        probe=probe,
    )
    monkeypatch.setattr("infra.cli.health.context", lambda: ctx)
    return probe


@pytest.mark.parametrize(
    ("latency", "status", "code"), [(10.0, "ok", 0), (600.0, "warning", 6), (3000.0, "critical", 7)]
)
def test_health__exit_code_follows_the_worst_check(
    health_cli: FakeProbe, latency: float, status: str, code: int
) -> None:
    assert health_cli.facts_ is not None
    health_cli.facts_ = health_cli.facts_.model_copy(update={"latency_ms": latency})
    exit_code, stdout, _ = invoke("health", "--stack", "staging", "-o", "json")
    document = json.loads(stdout)
    assert (exit_code, document["status"], document["exit_code"]) == (code, status, code)
    connection = next(c for c in document["checks"] if c["name"] == "connection")
    assert (connection["status"], connection["value"]) == (status, latency)
    text_code, text, _ = invoke("health", "--stack", "staging")
    assert text_code == code
    assert text.splitlines()[0].endswith(f": {status.upper()}")
    assert text.splitlines()[1] == (
        f"  {status.upper():<8} connection: {latency} ms (warning at 500 ms, critical at 2000 ms); connect and SELECT 1"
    )


def test_health__refuses_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.config import settings_from_stack_file
    from infra.neon import NeonClient

    ctx = HealthContext(
        settings=lambda s: settings_from_stack_file(REPO, s),
        outputs=lambda _s: pytest.fail("no outputs are read for dev"),
        neon=NeonClient.from_env,
        reporter=RecordingReporter(),
    )
    monkeypatch.setattr("infra.cli.health.context", lambda: ctx)
    code, _, stderr = invoke("health", "--stack", "dev")
    assert code == 1
    assert stderr.startswith("error: `health` works on Neon stacks (staging, production); dev is")
