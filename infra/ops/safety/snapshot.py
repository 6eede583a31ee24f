"""`backups snapshot`: a manual snapshot of the default branch now, kept for a while (Neon's manual
snapshots count against a per-project limit: 1 on Free, 100 on paid plans; scheduled ones do not)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from infra.config.plans import MANUAL_SNAPSHOT_LIMIT
from infra.neon import errors
from infra.ops.followup import cli_command
from infra.ops.neon.errors import NeonStackError
from infra.ops.safety.context import SafetyContext
from infra.ops.times import at, rfc3339, stamp

DEFAULT_SNAPSHOT_EXPIRY = timedelta(days=30)


class SnapshotResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    id: str
    name: str
    timestamp: datetime | None
    expires_at: datetime | None

    def lines(self) -> list[str]:
        keep = f"expires {rfc3339(self.expires_at)}" if self.expires_at else "kept until deleted"
        point = rfc3339(self.timestamp) if self.timestamp else "now"
        return [
            f"snapshot: {self.name} ({self.id}) of {self.stack}'s default branch at {point}; {keep}",
            f"to prove it restores: {cli_command('restore-drill', '--stack', self.stack, '--from-snapshot', self.id)}",
        ]


def take_snapshot(
    ctx: SafetyContext, stack: str, *, name: str | None = None, expires_in: timedelta | None = DEFAULT_SNAPSHOT_EXPIRY
) -> SnapshotResult:
    target, neon = ctx.neon_target(stack, "backups snapshot")
    now = at(ctx.now())
    name = name or f"manual-{stamp(now)}"
    with neon:
        manual = [s for s in neon.list_snapshots(target.project_id) if s.manual]
        limit = MANUAL_SNAPSHOT_LIMIT[target.plan]
        if len(manual) >= limit:
            oldest = ", ".join(f"{s.name} ({s.id})" for s in manual[:3])
            raise NeonStackError(
                f"{stack} has {len(manual)} of the {limit} manual snapshots the {target.plan} plan allows; "
                f"oldest: {oldest}",
                hint=f"prune with `{cli_command('backups', 'prune', '--stack', stack)}`",
            )
        ctx.reporter.step(f"taking snapshot {name} of {stack}'s default branch")
        try:
            with ctx.reporter.working(f"taking {name}"):
                snapshot = neon.create_snapshot(
                    target.project_id, target.branch_id, name=name, expires_at=now + expires_in if expires_in else None
                )
        except errors.NeonError as exc:
            raise NeonStackError(f"could not take snapshot {name}: {exc}") from None
    return SnapshotResult(
        stack=stack, id=snapshot.id, name=snapshot.name, timestamp=snapshot.timestamp, expires_at=snapshot.expires_at
    )
