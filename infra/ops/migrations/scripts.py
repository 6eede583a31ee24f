"""The revision graph, read from the migration files themselves with `ast` (nothing is imported):
each file's `revision`, `down_revision`, markers and where its `upgrade()` starts."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.markers import MARKER_NAMES, Markers, literal_assignments, parse_markers

BASE = "base"


@dataclass(frozen=True)
class RevisionFile:
    revision: str
    parents: tuple[str, ...]
    path: Path
    markers: Markers
    upgrade_line: int  # where `def upgrade` starts: GitHub annotations point there


def read_revision_file(path: Path) -> RevisionFile:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise MigrationError(f"cannot read migration file {path}: {exc}") from None
    values = literal_assignments(tree, ("revision", "down_revision", *MARKER_NAMES), path)
    revision = values.pop("revision", None)
    if not isinstance(revision, str) or not revision:
        raise MigrationError(f'{path}: no `revision = "..."` string at module level')
    down = values.pop("down_revision", None)
    parents = (down,) if isinstance(down, str) else tuple(down or ())
    upgrade = next((n.lineno for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), 1)
    return RevisionFile(revision, parents, path, parse_markers(values, path), upgrade)


class ScriptHistory:
    """All revisions of the application, in order: parents before children."""

    def __init__(self, files: Iterable[RevisionFile]) -> None:
        self.by_id: dict[str, RevisionFile] = {}
        for file in files:
            if file.revision in self.by_id:
                other = self.by_id[file.revision].path
                raise MigrationError(f"revision {file.revision} is declared twice: {other} and {file.path}")
            self.by_id[file.revision] = file
        for file in self.by_id.values():
            for parent in file.parents:
                if parent not in self.by_id:
                    raise MigrationError(f"{file.path}: down_revision {parent!r} names no known revision")
        self.ordered: tuple[RevisionFile, ...] = self._topological()

    def _topological(self) -> tuple[RevisionFile, ...]:
        done: dict[str, RevisionFile] = {}
        pending = sorted(self.by_id.values(), key=lambda f: f.revision)
        while pending:
            ready = [f for f in pending if all(p in done for p in f.parents)]
            if not ready:
                raise MigrationError(
                    "the revisions' down_revision links form a cycle: " + ", ".join(f.revision for f in pending)
                )
            for file in ready:
                done[file.revision] = file
            pending = [f for f in pending if f.revision not in done]
        return tuple(done.values())

    def resolve(self, revision: str) -> str:
        """A full revision id from an id or a unique prefix (as Alembic accepts), or `base`."""
        if revision == BASE or revision in self.by_id:
            return revision
        matches = [r for r in self.by_id if r.startswith(revision)]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(f.revision for f in self.ordered[-5:])
        raise MigrationError(
            f"revision {revision!r} is not among the migration files ({len(self.by_id)} revisions; latest: {known})",
            hint="pass --from with a revision from `alembic history`, or --from base",
        )

    def ancestors(self, revision: str) -> set[str]:
        """Every revision `revision` builds on (not itself)."""
        seen: set[str] = set()
        stack = list(self.by_id[revision].parents) if revision != BASE else []
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.by_id[current].parents)
        return seen

    def pending(self, applied: Sequence[str]) -> list[RevisionFile]:
        """Revisions not yet applied when the database is at `applied` (its heads; empty or `base` for none)."""
        done: set[str] = set()
        for head in applied:
            if head != BASE:
                done |= {head, *self.ancestors(self.resolve(head))}
        return [f for f in self.ordered if f.revision not in done]

    @property
    def heads(self) -> list[str]:
        parents = {p for f in self.by_id.values() for p in f.parents}
        return [f.revision for f in self.ordered if f.revision not in parents]
