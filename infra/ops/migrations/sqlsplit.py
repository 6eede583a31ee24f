"""Split one offline rendering (`alembic upgrade a:head --sql`) into each revision's SQL.

Alembic opens every revision with `-- Running upgrade <from> -> <to>`. Transaction lines at a chunk's
edges belong to Alembic's bookkeeping (one BEGIN/COMMIT around everything by default; with
`transaction_per_migration=True`, each revision's BEGIN comes just before its marker), so each chunk
is re-wrapped in one BEGIN/COMMIT: that is how its statements really run, and what lets squawk know
which tables a revision created itself. `autocommit_block()`'s inner COMMIT/BEGIN pairs stay as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MARKER: Final = re.compile(r"^-- Running upgrade (?P<parents>.*?) -> (?P<revision>\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class RevisionSql:
    revision: str
    sql: str  # what squawk and pglast read; lines are counted in this text


def split_rendered(rendered: str) -> list[RevisionSql]:
    """Each revision's SQL, in the order rendered. Text before the first marker (Alembic's own
    `CREATE TABLE alembic_version` from base) is not part of any revision."""
    transactional = any(line.strip() == "BEGIN;" for line in rendered.splitlines())
    markers = list(MARKER.finditer(rendered))
    chunks = []
    for index, match in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(rendered)
        body = _trim_edges(rendered[match.end() : end].splitlines())
        lines = ["BEGIN;", *body, "COMMIT;"] if transactional else body
        chunks.append(RevisionSql(match.group("revision"), "\n".join(lines) + "\n"))
    return chunks


def _trim_edges(lines: list[str]) -> list[str]:
    """Blank lines at both ends; at the end, the next revision's BEGIN (transaction_per_migration) and
    this revision's COMMIT. A COMMIT at the start opens an autocommit_block and is kept."""
    body = _strip_blank(lines)
    for edge in ("BEGIN;", "COMMIT;"):
        if body and body[-1].strip() == edge:
            body = _strip_blank(body[:-1])
    return body


def _strip_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]
