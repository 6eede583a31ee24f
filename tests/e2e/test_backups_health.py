"""Backups, drills and health end to end: production deployed by the real Pulumi CLI onto the emulator,
which runs on its own clock (started up to a day behind, then caught up) with a real PostgreSQL behind it
(`pg_stat_statements` preloaded). The tests run in order and share one world.

- the backup schedule is applied by `pulumi up`, changed by `pulumi up`, and shown by `pr-diff`;
- a drill that checks nothing fails (exit 9);
- snapshots are taken on the emulator's clock, hold the data of their moment, and are restored (drilled);
- `backups prune` leaves protected and newest ones;
- a slow statement and a deadlock turn `health` to warning, five slow statements to critical.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.neon import models
from infra.ops.times import at, rfc3339
from neon_emulator import PostgresBacking
from tests.ops.prdiff.scenarios import edit_stack_file
from tests.support.neon_world import start_world
from tests.support.postgres import PgClusterHandle
from tests.support.safety import SafetyWorld

pytestmark = pytest.mark.e2e

DAY = 86_400


def behind() -> float:
    """How far the emulator starts behind: an hour before the last 03:00 UTC, so that catching up passes
    exactly one 03:00, when the daily snapshot is due (the window is under 25 hours)."""
    now = at(time.time())
    last = now.replace(hour=3, minute=0, second=0, microsecond=0)
    if last > now:
        last -= timedelta(days=1)
    return (now - last).total_seconds() + 3600


@dataclass
class OffsetClock:
    """The emulator's clock: real time plus an offset that the tests move."""

    offset: float

    def time(self) -> float:
        return time.time() + self.offset


@dataclass
class World:
    safety: SafetyWorld
    clock: OffsetClock

    def cli(self, *args: str) -> Any:
        return self.safety.cli(*args)

    @property
    def ids(self) -> tuple[str, str]:
        outputs = self.safety.outputs_cache
        return outputs["neon_project_id"], outputs["neon_branch_id"]

    def app(self) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(self.safety.outputs_cache["database_url"], autocommit=True)

    def admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        assert self.safety.pg is not None
        dbname = conninfo_to_dict(self.safety.outputs_cache["database_url"])["dbname"]
        return psycopg.connect(make_conninfo(self.safety.pg.admin_dsn, dbname=dbname), autocommit=True)

    def health(self) -> tuple[int, dict[str, dict[str, Any]]]:
        run = self.cli("health", "--stack", "production", "-o", "json")
        assert run.returncode in (0, 6, 7), run.output
        return run.returncode, {c["name"]: c for c in json.loads(run.stdout)["checks"]}


@pytest.fixture(scope="module")
def world(pg_cluster: PgClusterHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    assert pg_cluster.stat_statements, "pg_stat_statements is not available: install the PostgreSQL contrib modules"
    clock = OffsetClock(offset=-behind())
    backend, server, project = start_world(
        tmp_path_factory.mktemp("backups-world"),
        plan="scale",
        postgres=PostgresBacking(pg_cluster.admin_dsn),
        clock=clock.time,
    )
    try:
        project.init("production")
        project.up("production")
        safety = SafetyWorld(backend, server, project, pg=pg_cluster, stack="production")
        safety.outputs_cache = safety.outputs()
        yield World(safety, clock)
    finally:
        server.stop()
        backend.reset()


def schedule(world: World) -> list[dict[str, Any]]:
    with world.safety.neon() as neon:
        return [item.to_body() for item in neon.get_backup_schedule(*world.ids)]


def test_pulumi_up_applied_the_declared_schedule(world: World) -> None:
    assert schedule(world) == [
        {"frequency": "daily", "hour": 3, "retention_seconds": 30 * DAY},
        {"frequency": "monthly", "day": 1, "hour": 4, "retention_seconds": 365 * DAY},
    ]


def test_a_drill_that_checks_nothing_fails_with_exit_9(world: World) -> None:
    branch = next(b for b in world.safety.branches() if b.id == world.ids[1])
    assert branch.created_at is not None
    # A point inside its short history: the emulator's clock moves on (its only source of time), no waiting.
    world.clock.offset += max(0.0, branch.created_at.timestamp() + 2 - world.clock.time())
    point = rfc3339(at(int(world.clock.time()) - 1))  # on the emulator's clock, a day behind ours
    nothing = world.cli("restore-drill", "--stack", "production", "--at", point)
    assert nothing.returncode == 9, nothing.output
    assert "  tables: 0, rows: 0, checks: 0/0 passed" in nothing.stdout
    assert "  problem: nothing was verified: no check file, and the source has no non-empty table" in nothing.stdout
    allowed = world.cli("restore-drill", "--stack", "production", "--at", point, "--allow-no-checks")
    assert allowed.returncode == 0, allowed.output


def test_snapshots_are_taken_on_the_emulators_clock_and_hold_their_moment(world: World) -> None:
    with world.app() as conn:
        conn.execute("CREATE TABLE books (id int PRIMARY KEY, title text NOT NULL)")
        conn.execute("INSERT INTO books VALUES (1, 'Dune'), (2, 'Emma'), (3, 'Ulysses')")
        conn.execute("CREATE TABLE alembic_version (version_num text PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    assert json.loads(world.cli("backups", "list", "--stack", "production", "-o", "json").stdout) == []
    world.clock.offset = 0.0  # the emulator catches up: the daily snapshot falls due on its clock
    listed = json.loads(world.cli("backups", "list", "--stack", "production", "-o", "json").stdout)
    daily = [e for e in listed if e["kind"] == "scheduled snapshot" and "-daily-" in e["name"]]
    assert len(daily) == 1, listed
    created = at(time.time()).replace(hour=3, minute=0, second=0, microsecond=0)
    created -= timedelta(days=1) if created > at(time.time()) else timedelta(0)
    assert daily[0]["created"] == rfc3339(created)
    assert daily[0]["expires"] == rfc3339(created + timedelta(days=30))
    assert daily[0]["source"] == f"branch main at {rfc3339(created)}"
    with world.app() as conn:
        conn.execute("INSERT INTO books VALUES (4, 'Middlemarch')")  # after the snapshot


def test_a_snapshot_restores_its_data_and_the_runbook_checks_run_as_written(world: World, tmp_path: Any) -> None:
    then = tmp_path / "then.sql"
    then.write_text("-- name: the snapshot has the books of its moment\nSELECT count(*) FROM books;\n-- expect: 3\n")
    drill = world.cli("restore-drill", "--stack", "production", "--from-snapshot", "latest", "--check", str(then))
    assert drill.returncode == 0, drill.output
    assert drill.stdout.startswith("restore drill on production from snapshot main-daily-")
    assert "checks: 3/3 passed" in drill.stdout  # rows in books (4 now, 3 then: within 10%), alembic, the 3
    as_written = world.cli(
        "restore-drill", "--stack", "production", "--from-snapshot", "latest", "--check", "checks/production.sql"
    )
    assert as_written.returncode == 0, as_written.output
    with world.app() as conn:
        logged = conn.execute(
            "SELECT origin, outcome, checks_passed, checks_total FROM workshelf_infra.drill_log ORDER BY id"
        ).fetchall()
    assert logged == [
        ("history", "failed", 0, 0),
        ("history", "passed", 0, 0),
        ("snapshot", "passed", 3, 3),
        ("snapshot", "passed", 5, 5),
    ]
    assert not [b.name for b in world.safety.branches() if b.name.startswith("restore-drill/")]


def test_prune_leaves_protected_and_newest(world: World) -> None:
    for args in (["--name", "backup/keep", "--protect"], ["--name", "backup/old"], ["--name", "backup/new"]):
        assert world.cli("backup-branch", "--stack", "production", *args).returncode == 0
        world.clock.offset += 1.1  # distinct creation seconds on Neon's clock: "newest" is decided by created_at
    for name in ("manual-old", "manual-new"):
        assert world.cli("backups", "snapshot", "--stack", "production", "--name", name).returncode == 0
        world.clock.offset += 1.1
    pruned = world.cli("backups", "prune", "--stack", "production", "--keep", "1")
    assert pruned.returncode == 0, pruned.output
    assert pruned.stdout.splitlines()[-1].startswith("production: deleted 2 of ")
    left = {
        e["name"]: e["kind"]
        for e in json.loads(world.cli("backups", "list", "--stack", "production", "-o", "json").stdout)
    }
    assert {n for n in left if n.startswith(("backup/", "manual-"))} == {"backup/keep", "backup/new", "manual-new"}
    assert "scheduled snapshot" in left.values()


def test_pr_diff_shows_a_shortened_schedule_and_pulumi_up_applies_it(world: World) -> None:
    edit_stack_file(
        world.safety.project,
        "production",
        "neon",
        {"backupSchedule": [{"frequency": "daily", "hour": 3, "retentionDays": 14}]},
    )
    diff = world.cli("pr-diff", "--stack", "production")
    assert diff.returncode == 0, diff.output
    assert (
        "- ⚠️ **production: snapshot retention shortened (daily: 30 days → 14 days; monthly: no longer taken "
        "(kept 365 days)).**" in diff.stdout
    )
    assert (
        "| `production-backup-schedule` BackupSchedule | update | `schedule`: `daily at 03:00 UTC, kept 30 days; "
        in (diff.stdout)
    )
    assert "→ `daily at 03:00 UTC, kept 14 days` |" in diff.stdout
    world.safety.project.up("production")
    assert schedule(world) == [{"frequency": "daily", "hour": 3, "retention_seconds": 14 * DAY}]


def _deadlock(world: World) -> None:
    with world.app() as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS pair (id int PRIMARY KEY, n int)")
        setup.execute("INSERT INTO pair VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING")
    first, second = world.app(), world.app()
    failures: list[Exception] = []
    try:
        first.execute("BEGIN")
        second.execute("BEGIN")
        first.execute("UPDATE pair SET n = n + 1 WHERE id = 1")
        second.execute("UPDATE pair SET n = n + 1 WHERE id = 2")

        def cross() -> None:
            try:
                first.execute("UPDATE pair SET n = n + 1 WHERE id = 2")
            except pg_errors.DeadlockDetected as exc:
                failures.append(exc)

        waiter = threading.Thread(target=cross)
        waiter.start()
        time.sleep(0.3)
        try:
            second.execute("UPDATE pair SET n = n + 1 WHERE id = 1")
        except pg_errors.DeadlockDetected as exc:
            failures.append(exc)
        waiter.join(timeout=30)
    finally:
        first.close()
        second.close()
    assert len(failures) == 1


def test_health_names_a_slow_statement_and_a_deadlock_then_critical(world: World) -> None:
    code, checks = world.health()  # first run: no extension yet, and the baseline is recorded
    assert code == 6
    assert checks["slow statements"]["status"] == "warning"
    assert checks["slow statements"]["detail"] == "the pg_stat_statements extension is not installed in this database"
    assert "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;" in checks["slow statements"]["hint"]
    assert checks["deadlocks"]["status"] == "skipped"
    with world.admin() as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    code, checks = world.health()
    assert code == 0, {n: c["status"] for n, c in checks.items() if c["status"] != "ok"}
    assert checks["last passed restore drill"]["status"] == "ok"
    assert checks["newest snapshot"]["status"] == "ok"
    assert checks["declared retention and protection"]["status"] == "ok"
    with world.app() as conn:
        conn.execute("SELECT pg_sleep(1.2)")
    _deadlock(world)
    code, checks = world.health()
    assert code == 6
    assert {n for n, c in checks.items() if c["status"] == "warning"} == {"slow statements", "deadlocks"}
    assert checks["deadlocks"]["value"] == 1
    [slow] = checks["slow statements"]["items"]
    assert slow["query"] == "SELECT pg_sleep($1)"
    assert slow["max_ms"] >= 1200
    with world.app() as conn:
        for columns in range(5):
            conn.execute("SELECT pg_sleep(1.05)" + ", 1" * columns)
    code, checks = world.health()
    assert code == 7
    assert {n for n, c in checks.items() if c["status"] not in ("ok", "skipped")} == {"slow statements"}
    assert (checks["slow statements"]["status"], checks["slow statements"]["value"]) == ("critical", 5)
    assert checks["deadlocks"]["value"] == 0


def test_drift_and_health_see_a_schedule_shortened_in_neon(world: World) -> None:
    with world.safety.neon() as neon:  # someone edits the schedule in the Neon Console
        neon.set_backup_schedule(
            *world.ids, [models.BackupScheduleItem(frequency="daily", hour=3, retention_seconds=DAY)]
        )
    drift = world.cli("drift", "--stack", "production")
    assert drift.returncode == 5, drift.output
    assert "- ⚠️ **production: snapshot retention shortened outside Pulumi (daily: 14 days → 1 day).**" in drift.stdout
    code, checks = world.health()
    assert code == 7
    declared = checks["declared retention and protection"]
    assert declared["status"] == "critical"
    assert declared["value"]["backup_schedule"]["actual"] == [
        {"frequency": "daily", "hour": 3, "retention_seconds": DAY}
    ]
    world.safety.project.up("production", "--refresh")  # the declared schedule back
    assert schedule(world) == [{"frequency": "daily", "hour": 3, "retention_seconds": 14 * DAY}]
