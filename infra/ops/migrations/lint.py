"""`migration-lint`'s engine: render the pending revisions' SQL, run squawk and our pglast checks,
then decide each finding's severity (the table in `rules`, acknowledgements, expand/contract)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand, history_paths, render_upgrade_sql
from infra.ops.migrations.contract import ContractPolicy, judge_drop
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.findings import Finding, LintReport, RevisionInfo
from infra.ops.migrations.markers import Acknowledgement
from infra.ops.migrations.rules import BLOCKING_RULES, DROP_RULES, UNUSED_ACKNOWLEDGEMENT
from infra.ops.migrations.scripts import BASE, RevisionFile, ScriptHistory, read_revision_file
from infra.ops.migrations.sqlsplit import RevisionSql, split_rendered
from infra.ops.migrations.squawk import SquawkHit, run_squawk
from infra.ops.migrations.statements import Statement, own_findings, parse_statements, targets_for

DEFAULT_PG_VERSION = 17


@dataclass(frozen=True)
class LintRequest:
    command: AlembicCommand
    applied: tuple[str, ...]  # the database's alembic_version rows; () or ("base",) lints from base
    policy: ContractPolicy
    pg_version: int = DEFAULT_PG_VERSION
    from_option: bool = False  # the start came from --from, not from the stack's database


@dataclass(frozen=True)
class _Raw:
    rule: str
    target: str
    statement: Statement
    message: str
    safe: str


def load_history(command: AlembicCommand, masker: Masker) -> ScriptHistory:
    return ScriptHistory(read_revision_file(path) for path in history_paths(command, masker))


def start_revision(history: ScriptHistory, applied: Sequence[str]) -> str:
    heads = [a for a in applied if a != BASE]
    if len(heads) > 1:
        raise MigrationError(
            f"the database has several applied heads ({', '.join(heads)})", hint="choose one with --from REV"
        )
    return history.resolve(heads[0]) if heads else BASE


def lint(request: LintRequest, masker: Masker | None = None) -> LintReport:
    masker = masker or Masker()
    history = load_history(request.command, masker)
    start = start_revision(history, request.applied)
    pending = history.pending([start])
    if not pending:
        return LintReport(
            stack=request.policy.stack, start=start, from_option=request.from_option, revisions=(), findings=()
        )
    chunks = split_rendered(render_upgrade_sql(request.command, start, masker))
    rendered = [c.revision for c in chunks]
    if sorted(rendered) != sorted(f.revision for f in pending):
        raise MigrationError(
            f"Alembic rendered revisions {rendered} after {start}, but the migration files have "
            f"{[f.revision for f in pending]} pending",
            hint="is a print() or a log handler in env.py writing to stdout? offline SQL must be all that is printed",
        )
    hits = run_squawk(chunks, pg_version=request.pg_version)
    setting = _Setting(history, request.policy, request.command.cwd or Path.cwd())
    findings: list[Finding] = []
    for chunk in chunks:  # in Alembic's order
        findings += lint_revision(chunk, history.by_id[chunk.revision], hits[chunk.revision], setting=setting)
    infos = tuple(
        RevisionInfo(
            revision=f.revision,
            file=_shown(f.path, setting.base),
            irreversible=f.markers.irreversible,
            deprecates=f.markers.deprecates,
        )
        for f in (history.by_id[r] for r in rendered)
    )
    return LintReport(
        stack=request.policy.stack,
        start=start,
        from_option=request.from_option,
        revisions=infos,
        findings=tuple(findings),
    )


def _shown(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def statement_at(statements: Sequence[Statement], line: int, sql: str) -> Statement:
    for statement in statements:
        if statement.first_line <= line <= statement.last_line:
            return statement
    text = sql.splitlines()[line] if line < len(sql.splitlines()) else ""
    return Statement(line, line, text.strip())


def raw_findings(chunk: RevisionSql, statements: Sequence[Statement], hits: Iterable[SquawkHit]) -> list[_Raw]:
    """squawk's hits mapped to statements and targets, plus ours; one per (rule, target, statement)."""
    found: dict[tuple[str, str, int], _Raw] = {}
    for hit in hits:
        statement = statement_at(statements, hit.line, chunk.sql)
        for target in targets_for(hit.rule_name, statement):
            raw = _Raw(hit.rule_name, target, statement, hit.message, hit.help or "")
            found.setdefault((hit.rule_name, target, statement.first_line), raw)
    for statement in statements:
        for rule, target in own_findings(statement):
            found.setdefault((rule, target, statement.first_line), _Raw(rule, target, statement, "", ""))
    return sorted(found.values(), key=lambda r: (r.statement.first_line, r.rule, r.target))


def _added_before(statements: Sequence[Statement], target: str, line: int) -> bool:
    kinds = ("add-column", "create-table")
    return any(s.first_line < line and any(f.kind in kinds and f.target == target for f in s.facts) for s in statements)


@dataclass(frozen=True)
class _Setting:
    """What every revision is judged against."""

    history: ScriptHistory
    policy: ContractPolicy
    base: Path  # file paths are shown relative to it


@dataclass(frozen=True)
class _Revision:
    file: RevisionFile
    statements: Sequence[Statement]
    setting: _Setting


def lint_revision(
    chunk: RevisionSql, file: RevisionFile, hits: Iterable[SquawkHit], *, setting: _Setting
) -> list[Finding]:
    statements = parse_statements(chunk.sql, f"revision {chunk.revision}")
    context = _Revision(file, statements, setting)
    used: set[Acknowledgement] = set()
    findings = [_judge(raw, context, used) for raw in raw_findings(chunk, statements, hits)]
    return findings + _unused(file, used, setting.base)


def _judge(raw: _Raw, revision: _Revision, used: set[Acknowledgement]) -> Finding:
    """The severity: the rule table, then the file's acknowledgements, then expand/contract for drops."""
    file = revision.file
    common = {
        "revision": file.revision,
        "file": _shown(file.path, revision.setting.base),
        "rule": raw.rule,
        "target": raw.target,
        "statement": raw.statement.one_line,
        "sql_line": raw.statement.first_line + 1,
        "file_line": file.upgrade_line,
    }
    rule = BLOCKING_RULES.get(raw.rule)
    if rule is None:
        return Finding(severity="warning", message=raw.message, safe=raw.safe, **common)
    common |= {"message": rule.why, "safe": rule.safe}
    ack = next((a for a in file.markers.acknowledge if a.rule == raw.rule and a.target == raw.target), None)
    if ack is not None:
        used.add(ack)
        return Finding(severity="acknowledged", note=f"acknowledged: {ack.reason}", **common)
    if raw.rule not in DROP_RULES:
        return Finding(severity="blocking", **common)
    if _added_before(revision.statements, raw.target, raw.statement.first_line):
        return Finding(severity="allowed", note=f"{raw.target} is created earlier in this same revision", **common)
    decision = judge_drop(raw.target, file.revision, revision.setting.history, revision.setting.policy)
    severity = "allowed" if decision.allowed else "blocking"
    return Finding(severity=severity, note=decision.note, allowed_after=decision.allowed_after, **common)


def _unused(file: RevisionFile, used: set[Acknowledgement], base: Path) -> list[Finding]:
    return [
        Finding(
            revision=file.revision,
            file=_shown(file.path, base),
            rule=UNUSED_ACKNOWLEDGEMENT,
            severity="warning",
            target=ack.target,
            statement="",
            sql_line=0,
            file_line=file.upgrade_line,
            message=f"the acknowledgement of {ack.rule} on {ack.target} matches no finding in this revision",
            safe="remove it, or correct its rule or target (the finding shows both)",
        )
        for ack in file.markers.acknowledge
        if ack not in used
    ]
