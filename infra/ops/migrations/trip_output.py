"""migration-test's results as text lines, JSON and a Markdown section for the PR comment (no times
in the Markdown: an unchanged result gives an unchanged comment)."""

from __future__ import annotations

import json
from typing import Final

from infra.ops.migrations.roundtrip import Problem, RevisionTrip, RoundTripReport
from infra.ops.prdiff.markdown import cell, code

_CLEAN: Final = "round trip: revision, schema, row counts and column checksums unchanged"
_IRREVERSIBLE: Final = "irreversible (marked): upgraded, not round-tripped"


def _problem_line(problem: Problem) -> str:
    if problem.acknowledged:
        return f"acknowledged {problem.kind} {problem.target}: {problem.detail} ({problem.acknowledged})"
    return f"FAILED {problem.kind}{' ' + problem.target if problem.target else ''}: {problem.detail}"


def _verdict(trip: RevisionTrip) -> list[str]:
    if trip.irreversible and not trip.problems:
        return [_IRREVERSIBLE]
    return [_problem_line(p) for p in trip.problems] or [_CLEAN]


def trip_lines(report: RoundTripReport) -> list[str]:
    lines = [f"{len(report.trips)} revision(s) tested after {report.start}"]
    for trip in report.trips:
        steps = " · ".join(
            f"{s.command} {'ok' if s.exit_code == 0 else f'FAILED (exit {s.exit_code})'} {s.seconds:.2f}s"
            for s in trip.steps
        )
        lines.append(f"{trip.revision}  {steps}")
        lines += [f"  {line}" for line in _verdict(trip)]
        lines += [f"    {line}" for line in trip.schema_diff]
    lines.append("result: " + ("PASSED" if report.ok else "FAILED"))
    return lines


def trip_json(report: RoundTripReport, where: str) -> str:
    document = {"where": where, "ok": report.ok, **report.model_dump(mode="json")}
    return json.dumps(document, indent=2) + "\n"


def trip_markdown(report: RoundTripReport, where: str) -> str:
    head = "✅ passed" if report.ok else "❌ failed"
    lines = [f"#### Migration test — {head}", "", f"Upgrade, downgrade, upgrade per revision on {where}.", ""]
    lines += ["| Revision | Result |", "| --- | --- |"]
    for trip in report.trips:
        lines.append(f"| {code(trip.revision, in_table=True)} | {cell('; '.join(_verdict(trip)))} |")
    return "\n".join(lines) + "\n"
