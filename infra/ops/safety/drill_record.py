"""A finished drill as its report (JSON and Markdown, see report.py) and as a row of the drill log."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from infra.ops.neon.target import NeonTarget
from infra.ops.safety.drill_log import DrillLogEntry
from infra.ops.safety.drill_origin import DrillOrigin
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.report import DrillReport

if TYPE_CHECKING:
    from infra.ops.safety.context import SafetyContext
    from infra.ops.safety.drill import Drill, DrillOptions


def drill_report(
    target: NeonTarget,
    drill: Drill,
    origin: DrillOrigin | None,
    *,
    name: str,
    started: datetime,
    options: DrillOptions,
) -> DrillReport:
    create = next((s for s in drill.steps if s.name.startswith("create")), None)
    verify = next((s for s in drill.steps if s.name.startswith("connect")), None)
    usable = create.seconds + verify.seconds if create and verify else None
    window = origin.window if origin else None
    snapshot = origin.snapshot if origin else None
    return DrillReport(
        stack=target.stack,
        project_id=target.project_id,
        source_branch_id=target.branch_id,
        source_branch_name=target.settings.neon.default_branch,
        origin=origin.kind if origin else "history",
        snapshot_id=snapshot.id if snapshot else None,
        snapshot_name=snapshot.name if snapshot else None,
        retention_seconds=window.retention_seconds if window else None,
        window_earliest=window.earliest if window else None,
        window_latest=window.latest if window else None,
        requested_point=origin.point if origin else started,
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
        tolerance_percent=options.tolerance_percent,
        checks_required=not options.allow_no_checks,
    )


def record_drill(
    ctx: SafetyContext, target: NeonTarget, report: DrillReport, *, finished: datetime, report_path: Path
) -> bool:
    """Append the drill to the stack's drill log; a failure is a warning (the report already exists)."""
    entry = DrillLogEntry(
        stack=report.stack,
        started_at=report.started_at,
        finished_at=finished,
        duration_ms=int(report.total_seconds * 1000),
        origin=report.origin,
        point=report.requested_point,
        snapshot_id=report.snapshot_id,
        drill_branch=report.drill_branch_name,
        outcome="passed" if report.ok else "failed",
        checks_passed=sum(c.ok for c in report.checks),
        checks_total=len(report.checks),
        tables=len(report.tables),
        rows=sum(t.rows for t in report.tables),
        problems=report.problems,
        report=os.environ.get("WORKSHELF_DRILL_REPORT_URL") or report_path.name,
    )
    try:
        ctx.database.record_drill(target.outputs.database_url, entry)
    except SafetyError as exc:
        ctx.reporter.note(f"warning: {exc}; `health` will not count this drill")
        return False
    return True
