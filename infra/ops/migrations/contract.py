"""Rule 1 as code (expand/contract): a column or table may be dropped only after an earlier revision
declared it in `deprecates` and that revision has been applied to the stack for `dropAfterDays` days.

The clock is the stack's own migration log (`applied_at`, written by `migrate`), never git dates: what
counts is how long the running application has had to stop using the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra.ops.migrations.scripts import ScriptHistory
from infra.ops.times import rfc3339


class LogRow(BaseModel):
    """The part of a `workshelf_infra.migration_log` row rule 1 reads."""

    model_config = ConfigDict(frozen=True)

    revision: str
    direction: Literal["up", "down"]
    applied_at: datetime
    outcome: Literal["ok", "failed"]


@dataclass(frozen=True)
class ContractPolicy:
    stack: str
    drop_after: timedelta
    now: datetime
    log: Sequence[LogRow] | None  # None: the stack's log was not read (`--from` without a deployed stack)


@dataclass(frozen=True)
class DropDecision:
    allowed: bool
    note: str
    allowed_after: datetime | None = None


def applied_since(log: Sequence[LogRow], revision: str) -> datetime | None:
    """Since when `revision` has been applied without interruption (a later downgrade resets it)."""
    since = None
    for row in sorted((r for r in log if r.revision == revision and r.outcome == "ok"), key=lambda r: r.applied_at):
        since = (since or row.applied_at) if row.direction == "up" else None
    return since


def judge_drop(target: str, revision: str, history: ScriptHistory, policy: ContractPolicy) -> DropDecision:
    """Whether dropping `target` (table or table.column) in `revision` satisfies expand/contract."""
    earlier = history.ancestors(revision)
    deprecating = [f.revision for f in history.ordered if f.revision in earlier and target in f.markers.deprecates]
    days = policy.drop_after.days
    if not deprecating:
        return DropDecision(False, f"no earlier revision lists {target!r} in `deprecates`")
    first = deprecating[0]
    if policy.log is None:
        return DropDecision(
            False, f"{target} was deprecated in {first}, but {policy.stack}'s migration log was not read (--from)"
        )
    applied = [(since, rev) for rev in deprecating if (since := applied_since(policy.log, rev)) is not None]
    if not applied:
        return DropDecision(
            False,
            f"{target} was deprecated in {first}, which {policy.stack}'s migration log does not show as applied "
            f"(`migrate` records it): the drop becomes allowed {days} days after it is",
        )
    since, rev = min(applied)
    allowed_after = since + policy.drop_after
    ago = (policy.now - since).days
    where = f"{target} was deprecated in {rev}, applied to {policy.stack} on {rfc3339(since)} ({ago} days ago)"
    if policy.now < allowed_after:
        return DropDecision(False, f"{where}: the drop becomes allowed on {rfc3339(allowed_after)}", allowed_after)
    return DropDecision(True, f"{where}, at least {days} days: expand/contract satisfied", allowed_after)
