"""One `health` run on a Neon stack: Neon's side first (no compute is woken by it), then the database's,
unless the compute is idle (scaled to zero): a SQL probe would wake it, so those checks are skipped unless
`wake`. A check that cannot be made is critical (a monitor that cannot see is not "ok")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from infra.config import NeonStack
from infra.neon import NeonClient, errors
from infra.neon.models import Branch
from infra.ops.health import neon as neon_checks
from infra.ops.health import sql
from infra.ops.health.errors import HealthError
from infra.ops.health.model import Check, HealthReport, skipped
from infra.ops.health.probe import DatabaseProbe, PostgresProbe
from infra.ops.neon.target import NeonStacks, NeonTarget, project_sources
from infra.ops.reporter import Reporter
from infra.ops.times import Clock, SystemClock, at

SQL_CHECKS = (
    "connection",
    "slow statements",
    "idle in transaction",
    "long-running statements",
    "deadlocks",
    "rollback ratio",
    "connections",
    "last passed restore drill",
)


@dataclass
class HealthContext(NeonStacks):
    reporter: Reporter
    clock: Clock = field(default_factory=SystemClock)
    probe: DatabaseProbe = field(default_factory=PostgresProbe)


def default_context(project_dir: Path, reporter: Reporter) -> HealthContext:
    return HealthContext(**project_sources(project_dir), reporter=reporter)


def run_health(ctx: HealthContext, stack: str, *, wake: bool = False) -> HealthReport:
    target, neon = ctx.neon_target(stack, "health")
    now = at(ctx.clock.time())
    settings = target.settings
    with neon:
        ctx.reporter.step(f"asking Neon about {stack} (project {target.project_id})")
        neon_side = _neon_checks(neon, target, settings, now)
        idle = _compute_idle(neon, target)
    if idle and not wake:
        reason = "the compute is idle (scaled to zero) and a probe would wake it; --wake checks anyway"
        sql_side = [skipped(name, reason) for name in SQL_CHECKS]
    else:
        ctx.reporter.step(f"asking {stack}'s database")
        sql_side = _sql_checks(ctx, target, settings)
    drill = [c for c in sql_side if c.name == "last passed restore drill"]
    checks = [c for c in sql_side if c not in drill] + neon_side[:-1] + drill + neon_side[-1:]
    return HealthReport(stack=stack, checked_at=now, checks=checks)


def _guarded(name: str, make: Callable[[], Check]) -> Check:
    try:
        return make()
    except errors.NeonError as exc:
        return Check(name=name, status="critical", detail=f"could not ask Neon: {exc}")


def _neon_checks(neon: NeonClient, target: NeonTarget, settings: NeonStack, now: datetime) -> list[Check]:
    """Branches, failed operations, declared vs actual, snapshots: in the report's order."""
    pid, monitoring = target.project_id, settings.monitoring
    branches: list[Branch] = []

    def branch_list() -> Check:
        branches.extend(neon.list_branches(pid))
        return neon_checks.branch_check(branches, settings, monitoring)

    def operations() -> Check:
        return neon_checks.operations_check(neon.list_operations(pid), now, monitoring)

    def declared() -> Check:
        default = next((b for b in branches if b.id == target.branch_id), None)
        default = default or neon.get_branch(pid, target.branch_id)
        schedule = neon.get_backup_schedule(pid, target.branch_id)
        return neon_checks.declared_check(settings, neon.get_project(pid), default, schedule)

    def snapshots() -> Check:
        return neon_checks.snapshot_check(neon.list_snapshots(pid), settings, target.branch_id, now, monitoring)

    return [
        _guarded("branches", branch_list),
        _guarded("failed Neon operations", operations),
        _guarded("declared retention and protection", declared),
        _guarded("newest snapshot", snapshots),
    ]


def _compute_idle(neon: NeonClient, target: NeonTarget) -> bool:
    try:
        endpoints = neon.list_endpoints(target.project_id, branch_id=target.branch_id)
    except errors.NeonError:
        return False  # unknown: probe anyway (the connection check then says what happened)
    computes = [e for e in endpoints if e.type == "read_write"]
    return bool(computes) and all(e.current_state == "idle" for e in computes)


def _sql_checks(ctx: HealthContext, target: NeonTarget, settings: NeonStack) -> list[Check]:
    monitoring, url = settings.monitoring, target.outputs.database_url
    try:
        facts = ctx.probe.facts(url, slow_ms=monitoring.slow_query_ms, monotonic=ctx.clock.monotonic)
    except HealthError as exc:
        failed = Check(
            name="connection",
            status="critical",
            detail=str(exc),
            hint="check Neon's status page, the project's IP allow list and the role's password (pulumi up --refresh)",
        )
        return [failed] + [skipped(name, "the database could not be reached") for name in SQL_CHECKS[1:]]
    now = at(ctx.clock.time())
    checks = [
        sql.latency_check(facts, monitoring),
        sql.statement_check(facts, monitoring, facts.baseline),
        *sql.session_checks(facts, monitoring),
        *sql.counter_checks(facts, monitoring),
        sql.connections_check(facts, monitoring),
        sql.drill_check(facts, monitoring, now, target.stack),
    ]
    try:
        ctx.probe.save_baseline(url, sql.next_baseline(facts, now))
    except HealthError as exc:
        ctx.reporter.note(f"warning: {exc}; the next run cannot compare with this one")
    return checks
