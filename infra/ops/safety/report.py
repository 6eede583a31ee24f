"""The restore-drill report: one pydantic model, written as JSON and as Markdown (never a secret)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra.ops.safety.checks import CheckOutcome
from infra.ops.safety.pg import TableCount
from infra.ops.times import rfc3339, stamp


class StepTiming(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    seconds: float
    ok: bool
    detail: str = ""


class DrillReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    project_id: str
    source_branch_id: str
    source_branch_name: str
    origin: Literal["history", "snapshot"] = "history"
    snapshot_id: str | None = None
    snapshot_name: str | None = None
    retention_seconds: int | None  # the history window (history drills)
    window_earliest: datetime | None
    window_latest: datetime | None
    requested_point: datetime
    branch_point: datetime | None
    drill_branch_name: str
    drill_branch_id: str | None
    branch_deleted: bool
    started_at: datetime
    total_seconds: float
    time_to_usable_copy_seconds: float | None
    steps: list[StepTiming]
    tables: list[TableCount]
    checks: list[CheckOutcome]
    notes: list[str]
    problems: list[str]
    tolerance_percent: float | None = None  # of the built-in row-count checks
    checks_required: bool = True  # False: --allow-no-checks

    @property
    def ok(self) -> bool:
        return not self.problems and all(check.ok for check in self.checks)


def write_report(report: DrillReport, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    base = directory / f"restore-drill-{report.stack}-{stamp(report.started_at)}"
    markdown, data = base.with_suffix(".md"), base.with_suffix(".json")
    data.write_text(report.model_dump_json(indent=2) + "\n")
    markdown.write_text(render_markdown(report))
    return markdown, data


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _origin(report: DrillReport) -> str:
    if report.snapshot_id is not None:
        name = _cell(report.snapshot_name or "")
        return f"- From snapshot `{name}` (`{report.snapshot_id}`), restored as a new branch beside the default one"
    if report.window_earliest is None or report.window_latest is None:
        return "- From the branch's history"
    return (
        f"- History window: {rfc3339(report.window_earliest)} .. {rfc3339(report.window_latest)} "
        f"(retention {report.retention_seconds} s)"
    )


def render_markdown(report: DrillReport) -> str:
    result = "PASSED" if report.ok else "FAILED"
    usable = report.time_to_usable_copy_seconds
    lines = [
        f"# Restore drill: {report.stack}, {rfc3339(report.started_at)}: {result}",
        "",
        f"- Project `{report.project_id}`, branch `{report.source_branch_name}` (`{report.source_branch_id}`)",
        _origin(report),
        f"- Requested point: {rfc3339(report.requested_point)}; branch point reported by Neon: "
        + (rfc3339(report.branch_point) if report.branch_point else "none"),
        f"- Drill branch: `{report.drill_branch_name}` (`{report.drill_branch_id or 'not created'}`), "
        + ("deleted" if report.branch_deleted else "**NOT deleted**"),
        f"- Time to a usable copy: {f'{usable:.2f} s' if usable is not None else 'n/a'}; "
        f"whole drill: {report.total_seconds:.2f} s",
        "",
        "## Steps",
        "",
        "| Step | Seconds | Result | Detail |",
        "|---|---:|---|---|",
        *(f"| {s.name} | {s.seconds:.3f} | {'ok' if s.ok else 'FAILED'} | {_cell(s.detail)} |" for s in report.steps),
        "",
        "## Tables (row counts on the drill branch)",
        "",
        "| Table | Rows |",
        "|---|---:|",
        *(f"| {t.table} | {t.rows} |" for t in report.tables),
        "",
    ]
    if report.checks:
        tolerance = f" (built-in row counts within ±{report.tolerance_percent:g}%)" if report.tolerance_percent else ""
        lines += [f"## Checks{tolerance}", "", "| Check | Expected | Actual | Result |", "|---|---|---|---|"]
        lines += [
            f"| {_cell(c.name)} | `{_cell(c.expected)}` | `{_cell(c.error or c.actual or '')}` | "
            f"{'ok' if c.ok else 'FAILED'} |"
            for c in report.checks
        ]
        lines.append("")
    for heading, items in (("Notes", report.notes), ("Problems", report.problems)):
        if items:
            lines += [f"## {heading}", "", *(f"- {_cell(item)}" for item in items), ""]
    return "\n".join(lines)
