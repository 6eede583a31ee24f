"""The PR comment: marker and digest, a headline, one verdict line, risks, the gate, then tables.

Readable in ten seconds from the top: what changes per stack (the verdict), what is dangerous (the
risks), whether the merge is blocked. Tables come last and are the only part trimmed to stay under
GitHub's comment limit. The digest covers everything below it and nothing volatile (no times, no
commit ids), so an unchanged diff gives an unchanged digest and the workflow skips the edit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Final

from infra.ops.prdiff.gate import ACK_LABEL
from infra.ops.prdiff.markdown import cell, code, fenced, format_value, github_length, shorten
from infra.ops.prdiff.model import ACTION_ORDER, FieldChange, Report, ResourceChange, Risk, StackPreview

MARKER: Final = "<!-- workshelf-infra:pr-diff -->"
DIGEST_PREFIX: Final = "<!-- digest: sha256:"
COMMENT_LIMIT: Final = 65_536  # GitHub's limit for a comment body
DEFAULT_BUDGET: Final = COMMENT_LIMIT - 1_536  # headroom for the marker lines and edits by hand
MAX_FIELDS_PER_ROW: Final = 8
MAX_RISKS_PER_KIND: Final = 10
MAX_ERROR_CHARS: Final = 1_500
_STOPPED_EARLY: Final = (
    "_The preview stopped at a `protect`ed resource: resources that depend on it may be missing above._"
)
_HEADER: Final = ("| Resource | Action | Changes |", "| --- | --- | --- |")


def verdict(preview: StackPreview) -> str:
    """`1 update`, `1 replace (blocked by protect), 1 update`, `no changes` or `preview failed`."""
    if preview.failed:
        return "preview failed"
    parts = []
    for action in ACTION_ORDER:
        n = preview.count(action)
        if n:
            word = ("loses" if n == 1 else "lose") + " `protect`" if action == "unprotect" else action + "s" * (n != 1)
            parts.append(f"{n} {word}")
    if not parts:
        return "no changes"
    blocked = sum(1 for c in preview.changes if c.blocked_by_protect)
    return ", ".join(parts) + (f" ({blocked} blocked by `protect`)" if blocked else "")


def _headline(report: Report) -> str:
    parts = []
    if report.failed:
        parts.append(f"❌ preview failed for {', '.join(report.failed)}")
    if report.blocked:
        parts.append("⛔ merge blocked (destructive change not acknowledged)")
    elif report.blocking:
        parts.append("⚠️ destructive change acknowledged")
    if not parts:
        warnings = len(report.risks)
        if warnings:
            parts.append(f"⚠️ {warnings} risk{'s' if warnings != 1 else ''} to review")
        elif any(s.preview.changes for s in report.stacks):
            parts.append("✅ no risky changes")
        else:
            parts.append("✅ no changes")
    return "### Infra diff — " + " · ".join(parts)


def _risk_line(risk: Risk, acknowledged: bool) -> str:
    if risk.kind == "preview-failed":
        return f"- ❌ **{risk.title}.** Its changes are unknown until it succeeds:\n" + fenced(
            shorten(risk.detail, MAX_ERROR_CHARS), indent="  "
        )
    icon = "⛔" if risk.blocking else "⚠️"
    note = " _(acknowledged)_" if risk.blocking and acknowledged else ""
    return f"- {icon} **{risk.title}.**{note} {risk.detail}"


def _risks(report: Report, per_kind: int | None = None) -> list[str]:
    """Every risk; with `per_kind`, only that many of one kind in one stack, plus a count of the rest."""
    if not report.risks:
        return []
    lines = ["**Risks**", ""]
    seen: dict[tuple[str, str], int] = {}
    for risk in sorted(report.risks, key=lambda r: not r.blocking):
        key = (risk.stack, risk.kind)
        seen[key] = seen.get(key, 0) + 1
        if per_kind is None or seen[key] <= per_kind:
            lines.append(_risk_line(risk, report.acknowledged))
    for (stack, kind), n in seen.items():
        if per_kind is not None and n > per_kind:
            hidden = n - per_kind
            lines.append(f"- …and {hidden} more `{kind}` risks in {stack} (see the tables and the job log)")
    return lines


def _gate(report: Report) -> list[str]:
    if not report.blocking:
        return []
    if report.acknowledged:
        return [
            "> [!WARNING]",
            f"> **Acknowledged** with the label `{ACK_LABEL}`: the gate lets the ⛔ changes through. "
            "`pulumi up` still refuses to replace or delete `protect`ed resources until protection is lifted "
            "deliberately.",
        ]
    n = len(report.blocking)
    return [
        "> [!CAUTION]",
        f"> **Blocked by the destructive-change gate:** the ⛔ change{'s' if n != 1 else ''} above would destroy "
        "production data or its protection.",
        "> If this is intended: make sure a recent restore point exists, get a second reviewer to agree, then add "
        f"the label `{ACK_LABEL}`. The check runs again and this comment updates.",
    ]


def _field(change: FieldChange, *, created: bool) -> str:
    name = code(change.name, in_table=True)
    new = code(format_value(change.name, change.new), in_table=True)
    if created:
        return f"{name} = {new}"
    return f"{name}: {code(format_value(change.name, change.old), in_table=True)} → {new}"


def _action(change: ResourceChange) -> str:
    if change.action == "unprotect":
        return "`protect` removed"
    text = f"**{change.action}**" if change.destructive else change.action
    why = [code(r, in_table=True) for r in change.reasons]
    if change.follows:
        why.append(f"follows {code(change.follows, in_table=True)}")
    if change.blocked_by_protect:
        why.append("blocked by `protect`")
    if change.drift:
        why.append("undoes drift")
    if change.protect_dropped:
        why.append("`protect` removed")
    return text + (f" ({'; '.join(why)})" if why else "")


def table_row(change: ResourceChange) -> str:
    name = code(change.name, in_table=True)
    resource = f"**{name}** {cell(change.kind)}" if change.destructive else f"{name} {cell(change.kind)}"
    fields = [_field(f, created=change.action == "create") for f in change.fields[:MAX_FIELDS_PER_ROW]]
    if len(change.fields) > MAX_FIELDS_PER_ROW:
        fields.append(f"+{len(change.fields) - MAX_FIELDS_PER_ROW} more")
    return f"| {resource} | {_action(change)} | {'<br>'.join(fields) or '—'} |"


@dataclass
class _Table:
    title: str
    rows: list[str]
    note: str = ""
    shown: int = field(init=False)

    def __post_init__(self) -> None:
        self.shown = len(self.rows)

    def lines(self) -> list[str]:
        if not self.rows:
            return []
        out = ["", self.title]
        if self.shown:
            out += ["", *_HEADER, *self.rows[: self.shown]]
        hidden = len(self.rows) - self.shown
        if hidden:
            out += [
                "",
                f"_…{hidden} more row{'s' if hidden != 1 else ''} not shown (comment size limit); "
                "the job log and `python -m infra pr-diff` show all._",
            ]
        if self.note:
            out += ["", self.note]
        return out


def _fit(fixed: int, tables: list[_Table], budget: int) -> None:
    """Hide rows, from the bottom of the longest table, until the comment fits (verdict and risks stay)."""
    note = 120  # the "more rows not shown" line, generously
    sizes = [[github_length(row) + 1 for row in t.rows] for t in tables]
    total = fixed + sum(github_length("\n".join(t.lines())) + 1 for t in tables)
    while total > budget:
        candidates = [i for i, t in enumerate(tables) if t.shown]
        if not candidates:
            return
        i = max(candidates, key=lambda k: tables[k].shown)
        t = tables[i]
        t.shown -= 1
        total -= sizes[i][t.shown]
        if t.shown == len(t.rows) - 1:
            total += note
        if t.shown == 0:
            total -= sum(github_length(h) + 1 for h in _HEADER) + 1


def _top(report: Report, per_kind: int | None = None) -> list[str]:
    """Headline, verdict, risks and the gate: never trimmed."""
    verdicts = " · ".join(f"**{s.preview.stack}:** {verdict(s.preview)}" for s in report.stacks)
    top = [_headline(report), "", verdicts]
    risks, gate = _risks(report, per_kind), _gate(report)
    if risks:
        top += ["", *risks]
    if gate:
        top += ["", *gate]
    return top


def digest_of(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def render_comment(report: Report, *, budget: int = DEFAULT_BUDGET) -> str:
    """The whole comment, at most `budget` characters (as GitHub counts them)."""
    footer = [
        "",
        "<sub>Secrets are masked and stack outputs are not shown. "
        "Generated by <code>python -m infra pr-diff</code>.</sub>",
    ]
    head = f"{MARKER}\n{DIGEST_PREFIX}{'0' * 64} -->\n"
    top = _top(report)
    if github_length(head + "\n".join(top + footer)) > budget:  # hundreds of risks: list ten of each kind
        top = _top(report, per_kind=MAX_RISKS_PER_KIND)
    tables = [
        _Table(
            f"#### {s.preview.stack} · {verdict(s.preview)}",
            [table_row(c) for c in s.preview.changes],
            _STOPPED_EARLY if s.preview.stopped_early else "",
        )
        for s in report.stacks
    ]
    _fit(github_length(head + "\n".join(top + footer)) + 1, tables, budget)
    lines = top + [line for t in tables for line in t.lines()] + footer
    body = "\n".join(lines) + "\n"
    if github_length(head + body) > budget:  # only with absurdly many risks: cut, but keep the top
        cut = "\n\n_…comment cut at GitHub's size limit; see the job log._\n"
        room = max(0, budget - github_length(head) - github_length(cut))
        body = body[:room]
        while github_length(body) > room:
            body = body[: -max(1, github_length(body) - room)]
        body += cut
    return f"{MARKER}\n{DIGEST_PREFIX}{digest_of(body)} -->\n{body}"
