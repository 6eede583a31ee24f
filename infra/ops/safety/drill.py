"""`restore-drill`: make a copy of the default branch (from its history at a past point, or from a
snapshot), prove the copy answers (tables, row counts compared with the source, the operator's checks),
time every step, write a report, append to the drill log, and always delete the copy.

A drill that checks nothing proves nothing: with no check file and no non-empty table to compare it
fails (exit 9) unless `allow_no_checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.masking import Masker
from infra.neon import NeonClient, errors
from infra.neon.models import Branch
from infra.ops.neon.branches import delete_branch
from infra.ops.neon.target import NeonTarget
from infra.ops.safety.checks import (
    DEFAULT_TOLERANCE_PERCENT,
    Check,
    CheckOutcome,
    load_checks,
    outcome,
    row_count_checks,
)
from infra.ops.safety.context import SafetyContext
from infra.ops.safety.drill_origin import DrillOrigin, history_origin, make_drill_branch, snapshot_origin
from infra.ops.safety.drill_record import drill_report, record_drill
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import TableCount
from infra.ops.safety.report import DrillReport, StepTiming, write_report
from infra.ops.times import Stopwatch, at, rfc3339, stamp

DRILL_PREFIX = "restore-drill/"
NOTHING_PROVED = (
    "nothing was verified: no check file, and the source has no non-empty table to compare with the copy "
    "(give --check FILE, or --allow-no-checks to accept a drill that only proves the copy opens)"
)


class DrillOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    at_point: datetime | None = None
    ago: timedelta | None = None
    check_file: Path | None = None
    from_snapshot: str | None = None  # `latest`, or a snapshot's id or name
    allow_no_checks: bool = False
    tolerance_percent: float = DEFAULT_TOLERANCE_PERCENT


class DrillOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    report: DrillReport
    markdown: Path
    json_path: Path
    logged: bool = True

    def lines(self) -> list[str]:
        r = self.report
        origin = f"snapshot {r.snapshot_name} ({r.snapshot_id})" if r.snapshot_id else "history"
        lines = [
            f"restore drill on {r.stack} from {origin} at {rfc3339(r.requested_point)}: "
            + ("PASSED" if r.ok else "FAILED"),
            f"  tables: {len(r.tables)}, rows: {sum(t.rows for t in r.tables)}, "
            f"checks: {sum(c.ok for c in r.checks)}/{len(r.checks)} passed",
        ]
        lines += [
            f"  check failed: {c.name}: expected {c.expected}, got {c.error or c.actual}" for c in r.checks if not c.ok
        ]
        lines += [f"  problem: {p}" for p in r.problems]
        lines += [f"report: {self.markdown}", f"report: {self.json_path}"]
        if not self.logged:
            lines.append("warning: the drill is not in the drill log (see the note above)")
        return lines


@dataclass
class Drill:
    """What a drill learns as it goes; turned into a DrillReport at the end."""

    watch: Stopwatch
    origin: DrillOrigin | None = None
    steps: list[StepTiming] = field(default_factory=list)
    tables: list[TableCount] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    branch: Branch | None = None
    deleted: bool = False

    def record(self, name: str, *, ok: bool = True, detail: str = "") -> None:
        self.steps.append(StepTiming(name=name, seconds=self.watch.lap(), ok=ok, detail=detail))


def restore_drill(ctx: SafetyContext, stack: str, options: DrillOptions | None = None) -> DrillOutcome:
    options = options or DrillOptions()
    if options.from_snapshot and (options.at_point or options.ago):
        raise SafetyError("a snapshot has its own point in time: give --from-snapshot without --at or --ago")
    checks = load_checks(options.check_file) if options.check_file else []  # a bad file fails before any branch
    target, neon = ctx.neon_target(stack, "restore-drill")
    now = ctx.now()
    drill = Drill(Stopwatch(ctx.clock))
    name = f"{DRILL_PREFIX}{stamp(at(now))}"
    with neon:
        origin = drill.origin = _origin(ctx, neon, target, drill, options, now=now)
        ctx.reporter.step(f"copying {stack}'s default branch from {origin.describe()} as {name}")
        try:
            _run(ctx, neon, target, drill, origin, name=name, now=now, checks=checks, options=options)
        finally:
            _delete(ctx, neon, target, drill, name)
    if not drill.checks and not drill.problems:
        if options.allow_no_checks:
            drill.notes.append("no check ran: accepted with --allow-no-checks")
        else:
            drill.problems.append(NOTHING_PROVED)
    report = drill_report(target, drill, drill.origin, name=name, started=at(now), options=options)
    markdown, json_path = write_report(report, ctx.report_dir)
    logged = record_drill(ctx, target, report, finished=at(ctx.now()), report_path=markdown)
    return DrillOutcome(report=report, markdown=markdown, json_path=json_path, logged=logged)


def _origin(
    ctx: SafetyContext, neon: NeonClient, target: NeonTarget, drill: Drill, options: DrillOptions, *, now: float
) -> DrillOrigin:
    if options.from_snapshot:
        origin = snapshot_origin(neon, target, options.from_snapshot)
        drill.record("find the snapshot", detail=origin.describe())
        return origin
    source = neon.get_branch(target.project_id, target.branch_id)
    origin = history_origin(neon, target, source, now=now, at_point=options.at_point, ago=options.ago)
    if origin.note:
        drill.notes.append(origin.note)
        ctx.reporter.note(f"note: {origin.note}")
    drill.record("check the history window", detail=origin.window.bounds if origin.window else "")
    return origin


def _run(
    ctx: SafetyContext,
    neon: NeonClient,
    target: NeonTarget,
    drill: Drill,
    origin: DrillOrigin,
    *,
    name: str,
    now: float,
    checks: list[Check],
    options: DrillOptions,
) -> None:
    with ctx.reporter.working(f"creating {name} with a compute"):
        branch = make_drill_branch(neon, target, origin, name=name, now=now, made=lambda b: _keep(drill, b))
    drill.record("create the branch and its compute", detail=branch.id)
    masker = Masker()
    try:
        uri = neon.get_connection_uri(
            target.project_id, branch_id=branch.id, database_name=target.outputs.database, role_name=target.outputs.role
        )
        masker.add_uri(uri)
        masker.add_uri(target.outputs.database_url)
        ctx.reporter.step("listing tables and counting rows on the drill branch")
        drill.tables = ctx.database.table_counts(uri)
        drill.record("connect, list tables, count rows", detail=f"{len(drill.tables)} tables")
        ctx.reporter.step(f"comparing row counts with {target.stack}'s database (±{options.tolerance_percent:g}%)")
        source = ctx.database.table_counts(target.outputs.database_url)
        drill.checks = row_count_checks(source, drill.tables, options.tolerance_percent)
        drill.record("compare row counts with the source", ok=all(c.ok for c in drill.checks))
        if checks:
            ctx.reporter.step(f"running {len(checks)} check(s)")
            values = ctx.database.query_values(uri, [c.query for c in checks])
            ran = [outcome(c, v) for c, v in zip(checks, values, strict=True)]
            drill.checks += ran
            failed = sum(not c.ok for c in ran)
            drill.record("run the checks", ok=failed == 0, detail=f"{len(checks) - failed}/{len(checks)} passed")
    except (SafetyError, errors.NeonError) as exc:
        drill.problems.append(masker(str(exc)))
        drill.record("verify the drill branch", ok=False, detail=masker(str(exc)))


def _keep(drill: Drill, branch: Branch) -> None:
    drill.branch = branch


def _delete(ctx: SafetyContext, neon: NeonClient, target: NeonTarget, drill: Drill, name: str) -> None:
    if drill.branch is None:
        return
    ctx.reporter.step(f"deleting branch {name}")
    with ctx.reporter.working(f"deleting {name}"):
        drill.deleted = delete_branch(neon, target, drill.branch, ctx.reporter)
    drill.record("delete the drill branch", ok=drill.deleted)
    if not drill.deleted:
        drill.problems.append(f"the drill branch {name} ({drill.branch.id}) was not deleted")
