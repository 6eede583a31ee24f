"""`release status`: the last releases of each stack, read from each stack's own database."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from infra.config import NEON_ENVIRONMENTS
from infra.errors import WorkshelfError
from infra.ops.release.context import ReleaseContext
from infra.ops.release.record import ReleaseRecord
from infra.ops.times import rfc3339

DEFAULT_LIMIT = 5


class StackReleases(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    releases: list[ReleaseRecord]
    error: str | None = None  # why this stack's records could not be read


class ReleaseStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    stacks: list[StackReleases]

    def as_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"))

    def lines(self) -> list[str]:
        lines: list[str] = []
        for entry in self.stacks:
            if entry.error:
                lines.append(f"{entry.stack}: cannot read its releases: {entry.error}")
            elif not entry.releases:
                lines.append(f"{entry.stack}: no releases yet")
            else:
                lines.append(f"{entry.stack}:")
                lines += [f"  {_line(r)}" for r in entry.releases]
        return lines


def _line(r: ReleaseRecord) -> str:
    window = f"; outside the window: {r.override_reason}" if r.outside_window else ""
    return (
        f"#{r.id} {rfc3339(r.finished_at)} {r.outcome}: {r.revision_before or '(none)'} -> "
        f"{r.revision_after or '(none)'}, checks {r.checks_passed}/{r.checks_total}, git {(r.git_sha or '?')[:12]}, "
        f"backup {r.backup_branch_name} ({r.backup_branch_id}){window}"
    )


def release_status(
    ctx: ReleaseContext, stacks: Sequence[str] = NEON_ENVIRONMENTS, *, limit: int = DEFAULT_LIMIT
) -> ReleaseStatus:
    """Newest first; a stack that cannot be read (not deployed, unreachable) says why and the others still show."""
    found = []
    for stack in stacks:
        try:
            url = ctx.stack_outputs(stack).database_url
            found.append(StackReleases(stack=stack, releases=ctx.records.read(url, limit=limit)))
        except WorkshelfError as exc:
            found.append(StackReleases(stack=stack, releases=[], error=exc.message))
    return ReleaseStatus(stacks=found)
