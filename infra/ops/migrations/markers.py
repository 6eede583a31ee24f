"""Markers a migration file declares at module level, read with `ast` (the module is never imported).

    deprecates = ["books.pages", "legacy_orders"]   # columns (table.column) or tables no code may use now
    irreversible = True                              # migration-test upgrades it but does not round-trip it
    acknowledge = [{"rule": "renaming-column", "target": "books.title",
                    "reason": "no deployed code reads title since app 3.2"}]

Values must be literals, so that what the pull request shows is what the lint reads.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError, field_validator

from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.rules import ACKNOWLEDGEABLE

MIN_REASON: Final = 10
MARKER_NAMES: Final = ("deprecates", "irreversible", "acknowledge")
_NAME = r"[A-Za-z_][A-Za-z0-9_$]*"
TARGET: Final = re.compile(rf"^{_NAME}(\.{_NAME}){{0,2}}$")
MARKERS_HINT: Final = "README.md, 'Wiring your application's migrations', lists the markers and their forms"


def normalize_target(target: str) -> str:
    """`public.books.pages` and `books.pages` name the same column: the default schema is left out."""
    return target.removeprefix("public.")


class Acknowledgement(BaseModel):
    """A reviewed exception: this blocking rule on this target is accepted, for this reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    target: str
    reason: str

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        if rule not in ACKNOWLEDGEABLE:
            raise ValueError(f"{rule!r} is not a rule that blocks (one of: {', '.join(sorted(ACKNOWLEDGEABLE))})")
        return rule

    @field_validator("target")
    @classmethod
    def _target(cls, target: str) -> str:
        if not TARGET.match(target):
            raise ValueError(f"{target!r} is not a table, table.column or index name")
        return normalize_target(target)

    @field_validator("reason")
    @classmethod
    def _reason(cls, reason: str) -> str:
        if len(reason.strip()) < MIN_REASON:
            raise ValueError(f"say why in at least {MIN_REASON} characters (got {reason.strip()!r})")
        return reason.strip()


class Markers(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    deprecates: tuple[str, ...] = ()
    irreversible: StrictBool = False
    acknowledge: tuple[Acknowledgement, ...] = ()

    @field_validator("deprecates")
    @classmethod
    def _targets(cls, targets: tuple[str, ...]) -> tuple[str, ...]:
        for target in targets:
            if not TARGET.match(target):
                raise ValueError(f"{target!r} is not a table or table.column name")
        return tuple(normalize_target(t) for t in targets)


def literal_assignments(tree: ast.Module, names: tuple[str, ...], path: Path) -> dict[str, Any]:
    """Module-level `name = <literal>` (or annotated) assignments for the given names."""
    found: dict[str, Any] = {}
    for node in tree.body:
        target, value = _assignment(node)
        if target not in names or value is None:
            continue
        try:
            found[target] = ast.literal_eval(value)
        except ValueError:
            raise MigrationError(
                f"{path}:{node.lineno}: `{target}` must be a literal (a string, list, dict, True/False)",
                hint=MARKERS_HINT,
            ) from None
    return found


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def parse_markers(raw: dict[str, Any], path: Path) -> Markers:
    try:
        return Markers.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in problem["loc"]).lstrip(".")
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise MigrationError(f"{path}: marker `{where}`: {message}", hint=MARKERS_HINT) from None
