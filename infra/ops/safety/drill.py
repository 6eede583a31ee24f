"""`restore-drill`: branch the default branch at a past point, prove the copy answers (tables, row
counts, the operator's checks), time every step, write a report, and always delete the branch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.masking import Masker
from infra.neon import NeonClient, errors
from infra.neon.models import Branch, BranchCreate
from infra.ops.neon.branches import THROWAWAY_EXPIRY, create_branch, delete_branch
from infra.ops.neon.target import NeonTarget
from infra.ops.neon.window import HistoryWindow, check_point, default_point, point_ago, stack_window
from infra.ops.safety.checks import Check, CheckOutcome, load_checks, outcome
from infra.ops.safety.context import SafetyContext
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import TableCount
from infra.ops.safety.report import DrillReport, StepTiming, write_report
from infra.ops.times import Stopwatch, at, rfc3339, stamp

DRILL_PREFIX = "restore-drill/"
DEFAULT_AGO = timedelta(hours=1)


class DrillOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    report: DrillReport
    markdown: Path
    json_path: Path

    def lines(self) -> list[str]:
        r = self.report
        lines = [
            f"restore drill on {r.stack} at {rfc3339(r.requested_point)}: {'PASSED' if r.ok else 'FAILED'}",
            f"  tables: {len(r.tables)}, rows: {sum(t.rows for t in r.tables)}, "
            f"checks: {sum(c.ok for c in r.checks)}/{len(r.checks)} passed",
        ]
        lines += [
            f"  check failed: {c.name}: expected {c.expected}, got {c.error or c.actual}" for c in r.checks if not c.ok
        ]
        lines += [f"  problem: {p}" for p in r.problems]
        lines += [f"report: {self.markdown}", f"report: {self.json_path}"]
        return lines


@dataclass
class _Drill:
    """What a drill learns as it goes; turned into a DrillReport at the end."""

    watch: Stopwatch
    steps: list[StepTiming] = field(default_factory=list)
    tables: list[TableCount] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    branch: Branch | None = None
    deleted: bool = False

    def record(self, name: str, *, ok: bool = True, detail: str = "") -> None:
        self.steps.append(StepTiming(name=name, seconds=self.watch.lap(), ok=ok, detail=detail))


def choose_point(
    window: HistoryWindow, at_point: datetime | None, ago: timedelta | None
) -> tuple[datetime, str | None]:
    if at_point is not None and ago is not None:
        raise SafetyError("give --at or --ago, not both")
    if at_point is not None:
        return check_point(window, at_point, what="the drill point"), None
    if ago is not None:
        return point_ago(window, ago, what="the drill point"), None
    return default_point(window, DEFAULT_AGO)


def restore_drill(
    ctx: SafetyContext,
    stack: str,
    *,
    at_point: datetime | None = None,
    ago: timedelta | None = None,
    check_file: Path | None = None,
) -> DrillOutcome:
    checks = load_checks(check_file) if check_file else []  # a bad file fails before any branch exists
    target, neon = ctx.neon_target(stack, "restore-drill")
    now = ctx.now()
    drill = _Drill(Stopwatch(ctx.clock))
    with neon:
        source = neon.get_branch(target.project_id, target.branch_id)
        window = stack_window(neon, target.project_id, source, now)
        point, note = choose_point(window, at_point, ago)
        if note:
            drill.notes.append(note)
            ctx.reporter.note(f"note: {note}")
        drill.record("check the history window", detail=window.bounds)
        name = f"{DRILL_PREFIX}{stamp(at(now))}"
        ctx.reporter.step(f"branching {stack}'s {source.name} at {rfc3339(point)} as {name}")
        try:
            _run(ctx, neon, target, drill, name=name, point=point, now=now, checks=checks)
        finally:
            if drill.branch is not None:
                ctx.reporter.step(f"deleting branch {name}")
                with ctx.reporter.working(f"deleting {name}"):
                    drill.deleted = delete_branch(neon, target, drill.branch, ctx.reporter)
                drill.record("delete the drill branch", ok=drill.deleted)
                if not drill.deleted:
                    drill.problems.append(f"the drill branch {name} ({drill.branch.id}) was not deleted")
    report = _report(target, drill, window=window, point=point, name=name, started=at(now))
    markdown, json_path = write_report(report, ctx.report_dir)
    return DrillOutcome(report=report, markdown=markdown, json_path=json_path)


def _run(
    ctx: SafetyContext,
    neon: NeonClient,
    target: NeonTarget,
    drill: _Drill,
    *,
    name: str,
    point: datetime,
    now: float,
    checks: list[Check],
) -> None:
    spec = BranchCreate(
        name=name, parent_id=target.branch_id, parent_timestamp=point, expires_at=at(now) + THROWAWAY_EXPIRY
    )
    with ctx.reporter.working(f"creating {name} with a compute"):
        drill.branch = create_branch(neon, target, spec, compute=True, doing=f"create drill branch {name}").branch
    drill.record("create the branch and its compute", detail=drill.branch.id)
    masker = Masker()
    try:
        uri = neon.get_connection_uri(
            target.project_id,
            branch_id=drill.branch.id,
            database_name=target.outputs.database,
            role_name=target.outputs.role,
        )
        masker.add_uri(uri)
        ctx.reporter.step("listing tables and counting rows on the drill branch")
        drill.tables = ctx.database.table_counts(uri)
        drill.record("connect, list tables, count rows", detail=f"{len(drill.tables)} tables")
        if checks:
            ctx.reporter.step(f"running {len(checks)} check(s)")
            values = ctx.database.query_values(uri, [c.query for c in checks])
            drill.checks = [outcome(c, v) for c, v in zip(checks, values, strict=True)]
            failed = sum(not c.ok for c in drill.checks)
            drill.record("run the checks", ok=failed == 0, detail=f"{len(checks) - failed}/{len(checks)} passed")
    except (SafetyError, errors.NeonError) as exc:
        drill.problems.append(masker(str(exc)))
        drill.record("verify the drill branch", ok=False, detail=masker(str(exc)))


def _report(
    target: NeonTarget, drill: _Drill, *, window: HistoryWindow, point: datetime, name: str, started: datetime
) -> DrillReport:
    create = next((s for s in drill.steps if s.name.startswith("create")), None)
    verify = next((s for s in drill.steps if s.name.startswith("connect")), None)
    usable = create.seconds + verify.seconds if create and verify else None
    return DrillReport(
        stack=target.stack,
        project_id=target.project_id,
        source_branch_id=window.branch_id,
        source_branch_name=window.branch_name,
        retention_seconds=window.retention_seconds,
        window_earliest=window.earliest,
        window_latest=window.latest,
        requested_point=point,
        branch_point=drill.branch.parent_timestamp if drill.branch else None,
        drill_branch_name=name,
        drill_branch_id=drill.branch.id if drill.branch else None,
        branch_deleted=drill.deleted,
        started_at=started,
        total_seconds=round(sum(s.seconds for s in drill.steps), 3),
        time_to_usable_copy_seconds=round(usable, 3) if usable is not None else None,
        steps=drill.steps,
        tables=drill.tables,
        checks=drill.checks,
        notes=drill.notes,
        problems=drill.problems,
    )
