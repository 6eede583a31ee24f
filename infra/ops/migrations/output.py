"""The lint report as text (people), JSON (tools), GitHub annotations (`-o github`) and a Markdown
section for the pull-request comment (no times or ids in it, so that an unchanged lint gives an
unchanged comment)."""

from __future__ import annotations

import json
from typing import Final, Literal

from infra.ops.migrations.findings import Finding, LintReport
from infra.ops.prdiff.markdown import cell, code, shorten

OutputFormat = Literal["text", "json", "github"]
STATEMENT_CHARS: Final = 160
_LABEL: Final = {"blocking": "BLOCKING", "acknowledged": "acknowledged", "allowed": "allowed", "warning": "warning"}
_ICON: Final = {"blocking": "⛔", "acknowledged": "✅", "allowed": "✅", "warning": "⚠️"}


def render_report(report: LintReport, fmt: OutputFormat) -> str:
    if fmt == "json":
        return as_json(report)
    if fmt == "github":
        return "".join(annotation(f) + "\n" for f in report.findings)
    return "\n".join(text_lines(report)) + "\n"


def as_json(report: LintReport) -> str:
    document = {
        "stack": report.stack,
        "from": report.start,
        "exit_code": report.exit_code,
        "revisions": [r.model_dump(mode="json") for r in report.revisions],
        "findings": [f.model_dump(mode="json") for f in report.findings],
    }
    return json.dumps(document, indent=2) + "\n"


def text_lines(report: LintReport) -> list[str]:
    where = f"{report.start} (--from)" if report.from_option else f"{report.stack}'s applied revision {report.start}"
    lines = [f"migration-lint: {len(report.revisions)} pending revision(s) after {where}"]
    for info in report.revisions:
        marks = [
            m
            for m, on in (
                ("irreversible", info.irreversible),
                ("deprecates " + ", ".join(info.deprecates), bool(info.deprecates)),
            )
            if on
        ]
        lines.append(f"{info.revision}  {info.file}" + (f"  ({'; '.join(marks)})" if marks else ""))
        findings = report.of(info.revision)
        if not findings:
            lines.append("  no findings")
        for finding in findings:
            lines += _finding_lines(finding)
    lines.append("result: " + report.summary())
    return lines


def _finding_lines(finding: Finding) -> list[str]:
    lines = [f"  {_LABEL[finding.severity]}  {finding.rule}  {finding.target}".rstrip()]
    if finding.statement:
        lines.append(f"    {shorten(finding.statement, STATEMENT_CHARS)}  (SQL line {finding.sql_line})")
    lines.append(f"    why: {finding.message}")
    if finding.safe:
        lines.append(f"    safe way: {finding.safe}")
    if finding.note:
        lines.append(f"    {finding.note}")
    return lines


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def annotation(finding: Finding) -> str:
    """A GitHub workflow command: an error on the migration's `def upgrade` line, or a warning."""
    level = "error" if finding.severity == "blocking" else "warning" if finding.severity == "warning" else "notice"
    title = _escape(f"{finding.rule} {finding.target} ({finding.severity})".strip(), prop=True)
    body = " ".join(
        p
        for p in (
            finding.statement and f"{finding.statement}:",
            finding.message,
            finding.safe and f"Safe way: {finding.safe}.",
            finding.note,
        )
        if p
    )
    return f"::{level} file={_escape(finding.file, prop=True)},line={finding.file_line},title={title}::{_escape(body)}"


def markdown_section(report: LintReport) -> str:
    """The lint's part of the PR comment."""
    blocking = report.count("blocking")
    head = "⛔ blocked" if blocking else "✅ nothing blocks"
    lines = [f"#### Migration lint — {head}", "", f"{report.summary()}", ""]
    if not report.findings:
        return "\n".join(lines)
    lines += ["| | Revision | Rule | Target | Statement | Why · safe way |", "| --- | --- | --- | --- | --- | --- |"]
    for f in report.findings:
        detail = " · ".join(p for p in (f.message, f.safe and f"safe way: {f.safe}", f.note) if p)
        lines.append(
            f"| {_ICON[f.severity]} {f.severity} | {code(f.revision, in_table=True)} {cell(f.file)} "
            f"| {code(f.rule, in_table=True)} | {code(f.target, in_table=True) if f.target else ''} "
            f"| {code(shorten(f.statement, STATEMENT_CHARS), in_table=True) if f.statement else ''} | {cell(detail)} |"
        )
    return "\n".join(lines) + "\n"
