"""Restore-drill checks: a SQL file of queries, each followed by the value it must return.

    -- name: books survived            (optional: names the next check in the report)
    SELECT count(*) FROM books;
    -- expect: >= 3

    SELECT title FROM books ORDER BY id LIMIT 1;
    -- expect: Dune

One statement per check. The first column of the first row is compared with `-- expect:`: as text
(`null`, `true`/`false`, numbers as written, `(no rows)` when nothing came back), or, after one of
`= != <> > >= < <=`, as a number. Other `--` comments and blank lines are ignored. Checks run in a
read-only session.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.ops.infra_schema import SCHEMA
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import QueryValue, TableCount

NO_ROWS = "(no rows)"
SAMPLE_CHECK_FILE = Path("checks/production.sql")  # shipped; RUNBOOK §4 runs it as written
_DIRECTIVE = re.compile(r"^--\s*(name|expect)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_COMPARISON = re.compile(r"^(>=|<=|!=|<>|=|>|<)\s*(.+)$")


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    query: str
    expect: str
    line: int


class CheckOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    query: str
    expected: str
    actual: str | None
    ok: bool
    error: str | None = None


def load_checks(path: Path) -> list[Check]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise SafetyError(f"cannot read the check file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SafetyError(f"cannot read the check file {path}: not UTF-8 text") from None
    return parse_checks(text, str(path))


def parse_checks(text: str, source: str = "checks") -> list[Check]:
    checks: list[Check] = []
    query: list[str] = []
    name: str | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        directive = _DIRECTIVE.match(line)
        if directive and directive[1].lower() == "name":
            name = directive[2]
        elif directive:
            sql = "\n".join(query).strip().rstrip(";").strip()
            if not sql:
                raise SafetyError(f"{source}:{number}: `-- expect:` with no query before it")
            if not directive[2]:
                raise SafetyError(f"{source}:{number}: `-- expect:` needs a value, e.g. `-- expect: 42`")
            checks.append(Check(name=name or f"check {len(checks) + 1}", query=sql, expect=directive[2], line=start))
            query, name = [], None
        elif line and not line.startswith("--"):
            start = start if query else number
            query.append(raw)
    if "\n".join(query).strip():
        raise SafetyError(f"{source}:{start}: the last query has no `-- expect:` line after it")
    if not checks:
        raise SafetyError(f"{source}: no checks found (each query needs a `-- expect: <value>` line after it)")
    return checks


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def matches(expect: str, actual: str) -> bool:
    comparison = _COMPARISON.match(expect)
    if comparison is None:
        return actual == expect
    op, wanted = comparison[1], comparison[2].strip()
    left, right = _number(actual), _number(wanted)
    if left is None or right is None:
        return (op == "=" and actual == wanted) or (op in ("!=", "<>") and actual != wanted)
    return {
        "=": left == right,
        "!=": left != right,
        "<>": left != right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[op]


def outcome(check: Check, value: QueryValue) -> CheckOutcome:
    if value.error is not None:
        return CheckOutcome(
            name=check.name, query=check.query, expected=check.expect, actual=None, ok=False, error=value.error
        )
    actual = value.value if value.rows else NO_ROWS
    actual = "null" if actual is None else actual
    return CheckOutcome(
        name=check.name, query=check.query, expected=check.expect, actual=actual, ok=matches(check.expect, actual)
    )


# The built-in checks: every non-empty table of the source has rows on the drill's copy, and as many as
# the source has now within a tolerance (the copy is older, so some change is expected). Our own
# bookkeeping in `workshelf_infra` (the drill log itself) is left out: it changes with every drill.
BUILTIN = "(built-in: row count)"
DEFAULT_TOLERANCE_PERCENT = 10.0


def row_count_checks(source: list[TableCount], copy: list[TableCount], tolerance_percent: float) -> list[CheckOutcome]:
    copied = {t.table: t.rows for t in copy}
    outcomes = []
    for table in source:
        if table.rows == 0 or table.table.startswith(f"{SCHEMA}."):
            continue
        # Rounded outwards (3 rows ±10% accepts 2..4); multiplied first so that 100 ±10% is exactly 90..110.
        low = max(1, math.floor(table.rows * (100 - tolerance_percent) / 100))
        high = math.ceil(table.rows * (100 + tolerance_percent) / 100)
        rows = copied.get(table.table)
        outcomes.append(
            CheckOutcome(
                name=f"rows in {table.table}",
                query=BUILTIN,
                expected=f"{low}..{high} (the source has {table.rows}; ±{tolerance_percent:g}%)",
                actual="table missing" if rows is None else str(rows),
                ok=rows is not None and low <= rows <= high,
            )
        )
    return outcomes
