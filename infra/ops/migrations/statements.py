"""What each statement of a revision's SQL does, from pglast's parse tree (libpg_query: PostgreSQL's own
parser): its line span, the objects it touches (for acknowledgements and expand/contract), and the
rules squawk misses: TRUNCATE without CASCADE, DELETE and UPDATE without WHERE."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ConstrType, DropBehavior, ObjectType
from pglast.parser import ParseError

from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.markers import normalize_target


@dataclass(frozen=True)
class Fact:
    """One thing a statement does to one object: `drop-column books.pages`."""

    kind: str
    target: str
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Statement:
    first_line: int  # 0-based, as squawk counts
    last_line: int
    text: str
    facts: tuple[Fact, ...] = field(default=())

    @property
    def one_line(self) -> str:
        return " ".join(self.text.split())


def _qualified(*parts: str | None) -> str:
    return normalize_target(".".join(p for p in parts if p))


def _relation(node: ast.RangeVar | None) -> str:
    return _qualified(node.schemaname, node.relname) if node is not None else ""


def _names(objects: tuple[object, ...] | None) -> list[str]:
    found = []
    for obj in objects or ():
        parts = obj if isinstance(obj, tuple) else (obj,)
        found.append(_qualified(*(getattr(p, "sval", None) for p in parts)))
    return found


def _column_def_flags(column: ast.ColumnDef) -> frozenset[str]:
    kinds = {c.contype for c in column.constraints or ()}
    flags = set()
    has_value = kinds & {ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED}
    if ConstrType.CONSTR_NOTNULL in kinds and not has_value:
        flags.add("required")
    return frozenset(flags)


def _constraint_flags(constraint: ast.Constraint) -> frozenset[str]:
    flags = {"not-valid"} if constraint.skip_validation else set()
    if constraint.contype == ConstrType.CONSTR_FOREIGN:
        flags.add("foreign-key")
    if constraint.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
        flags.add("unique")
    return frozenset(flags)


def _alter_table(stmt: ast.AlterTableStmt) -> Iterator[Fact]:
    table = _relation(stmt.relation)
    for cmd in stmt.cmds or ():
        kind = _ALTER_KINDS.get(cmd.subtype)
        if kind is not None:
            yield Fact(kind, f"{table}.{cmd.name}")
        elif cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            yield Fact("add-column", f"{table}.{cmd.def_.colname}", _column_def_flags(cmd.def_))
        elif cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            yield Fact("add-constraint", f"{table}.{cmd.def_.conname or 'unnamed'}", _constraint_flags(cmd.def_))


_ALTER_KINDS: Final = {
    AlterTableType.AT_DropColumn: "drop-column",
    AlterTableType.AT_AlterColumnType: "alter-type",
    AlterTableType.AT_SetNotNull: "set-not-null",
    AlterTableType.AT_DropNotNull: "drop-not-null",
}
_RENAME_KINDS: Final = {ObjectType.OBJECT_COLUMN: "rename-column", ObjectType.OBJECT_TABLE: "rename-table"}
_DROP_KINDS: Final = {ObjectType.OBJECT_TABLE: "drop-table", ObjectType.OBJECT_INDEX: "drop-index"}


def facts_of(stmt: ast.Node) -> list[Fact]:  # noqa: PLR0911  # one return per statement type reads best
    if isinstance(stmt, ast.AlterTableStmt):
        return list(_alter_table(stmt))
    if isinstance(stmt, ast.RenameStmt) and stmt.renameType in _RENAME_KINDS:
        column = f".{stmt.subname}" if stmt.renameType == ObjectType.OBJECT_COLUMN else ""
        return [Fact(_RENAME_KINDS[stmt.renameType], _relation(stmt.relation) + column)]
    if isinstance(stmt, ast.DropStmt) and stmt.removeType in _DROP_KINDS:
        concurrent = frozenset({"concurrently"} if stmt.concurrent else ())
        return [Fact(_DROP_KINDS[stmt.removeType], name, concurrent) for name in _names(stmt.objects)]
    if isinstance(stmt, ast.DropdbStmt):
        return [Fact("drop-database", stmt.dbname or "")]
    if isinstance(stmt, ast.CreateStmt):
        table = _relation(stmt.relation)
        columns = [e for e in stmt.tableElts or () if isinstance(e, ast.ColumnDef)]
        return [Fact("create-table", table)] + [Fact("add-column", f"{table}.{c.colname}") for c in columns]
    if isinstance(stmt, ast.IndexStmt):
        return [Fact("create-index", stmt.idxname or _relation(stmt.relation))]
    if isinstance(stmt, ast.TruncateStmt):
        cascade = frozenset({"cascade"} if stmt.behavior == DropBehavior.DROP_CASCADE else ())
        return [Fact("truncate", _relation(r), cascade) for r in stmt.relations or ()]
    if isinstance(stmt, ast.DeleteStmt | ast.UpdateStmt):
        flags = frozenset({"unqualified"} if stmt.whereClause is None else ())
        return [Fact("delete" if isinstance(stmt, ast.DeleteStmt) else "update", _relation(stmt.relation), flags)]
    return []


def parse_statements(sql: str, where: str) -> list[Statement]:
    """Every statement with its 0-based line span. SQL that does not parse cannot be linted: exit 1."""
    try:
        raw_statements = parse_sql(sql)
    except ParseError as exc:
        message, index = (*exc.args, None)[:2]
        at = f" (line {sql.count(chr(10), 0, index) + 1} of its SQL)" if isinstance(index, int) else ""
        raise MigrationError(f"{where}: its SQL does not parse{at}: {message}") from None
    statements = []
    for raw in raw_statements:
        start = raw.stmt_location or 0
        text = sql[start : start + raw.stmt_len] if raw.stmt_len else sql[start:].rstrip().rstrip(";")
        first = sql.count("\n", 0, start)
        facts = tuple(facts_of(raw.stmt)) if raw.stmt is not None else ()
        statements.append(Statement(first, first + text.count("\n"), text.strip(), facts))
    return statements


# Which facts of a statement a rule is about: its findings' targets.
_RULE_FACTS: Final[dict[str, Callable[[Fact], bool]]] = {
    "ban-drop-column": lambda f: f.kind == "drop-column",
    "ban-drop-table": lambda f: f.kind == "drop-table",
    "ban-drop-database": lambda f: f.kind == "drop-database",
    "renaming-column": lambda f: f.kind == "rename-column",
    "renaming-table": lambda f: f.kind == "rename-table",
    "changing-column-type": lambda f: f.kind == "alter-type",
    "adding-required-field": lambda f: f.kind == "add-column" and "required" in f.flags,
    "adding-not-nullable-field": lambda f: f.kind == "set-not-null",
    "ban-drop-not-null": lambda f: f.kind == "drop-not-null",
    "constraint-missing-not-valid": lambda f: f.kind == "add-constraint" and "not-valid" not in f.flags,
    "adding-foreign-key-constraint": lambda f: f.kind == "add-constraint" and "foreign-key" in f.flags,
    "disallowed-unique-constraint": lambda f: f.kind == "add-constraint" and "unique" in f.flags,
    "require-concurrent-index-creation": lambda f: f.kind == "create-index",
    "ban-concurrent-index-creation-in-transaction": lambda f: f.kind == "create-index",
    "require-concurrent-index-deletion": lambda f: f.kind == "drop-index",
}


def targets_for(rule: str, statement: Statement) -> list[str]:
    """The objects a squawk finding on this statement is about (at least one, possibly '')."""
    match = _RULE_FACTS.get(rule)
    chosen = [f.target for f in statement.facts if match is None or match(f)]
    if match is None:
        chosen = chosen[:1]
    return list(dict.fromkeys(chosen)) or [""]


def own_findings(statement: Statement) -> list[tuple[str, str]]:
    """(rule, target) for what squawk misses: every TRUNCATE, DELETE/UPDATE without WHERE."""
    found = []
    for fact in statement.facts:
        if fact.kind == "truncate":
            found.append(("ban-truncate", fact.target))
        elif fact.kind in ("delete", "update") and "unqualified" in fact.flags:
            found.append((f"ban-unqualified-{fact.kind}", fact.target))
    return found
