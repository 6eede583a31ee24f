"""Asynchronous operations whose status is a pure function of the injected clock.

A mutation schedules a chain: operation i runs during [t0 + i*d, t0 + (i+1)*d] where d is
`operation_seconds`. Before its start it is `scheduling`, then `running`, then `finished`. An injected
failure ends that operation `failed` and cancels the rest of its chain. Unlike Neon's control plane the
emulator never retries a failed operation, so `failed` is final here and does not hold the project lock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["finished", "failed", "cancelled"]
TERMINAL = frozenset({"finished", "failed", "error", "cancelled", "skipped"})
FAILURE_TEXT = "emulator: injected operation failure"


@dataclass(frozen=True)
class OpStep:
    """One operation to schedule: a real `OperationAction` value plus what it acts on."""

    action: str
    branch_id: str | None = None
    endpoint_id: str | None = None


@dataclass
class Operation:
    id: str
    project_id: str
    action: str
    branch_id: str | None
    endpoint_id: str | None
    created_at: float
    start_at: float
    end_at: float
    outcome: Outcome
    error: str | None = None
    status: str = "scheduling"
    updated_at: float = 0.0
    total_duration_ms: int = 0
    failures_count: int = 0

    def settle(self, now: float) -> None:
        """Derive status, `updated_at` and duration from the clock (idempotent, monotonic)."""
        if now >= self.end_at:
            self.status = self.outcome
            self.updated_at = self.end_at
            self.total_duration_ms = round((self.end_at - self.start_at) * 1000)
            self.failures_count = 1 if self.outcome == "failed" else 0
        elif now > self.start_at:
            self.status = "running"
            self.updated_at = self.start_at
            self.total_duration_ms = int((now - self.start_at) * 1000)
        else:
            self.status = "scheduling"
            self.updated_at = self.created_at
            self.total_duration_ms = 0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


def schedule_chain(
    *,
    project_id: str,
    steps: Sequence[OpStep],
    now: float,
    seconds: float,
    new_id: Callable[[], str],
    should_fail: Callable[[], bool],
) -> list[Operation]:
    """Create the operations for one mutation; each starts when the previous one ends."""
    operations: list[Operation] = []
    failed_at: float | None = None
    for index, step in enumerate(steps):
        start = now + index * seconds
        if failed_at is not None:
            outcome: Outcome = "cancelled"
            start = end = failed_at
        else:
            end = start + seconds
            outcome = "failed" if should_fail() else "finished"
            if outcome == "failed":
                failed_at = end
        operation = Operation(
            id=new_id(),
            project_id=project_id,
            action=step.action,
            branch_id=step.branch_id,
            endpoint_id=step.endpoint_id,
            created_at=now,
            start_at=start,
            end_at=end,
            outcome=outcome,
            error=FAILURE_TEXT if outcome == "failed" else None,
        )
        operation.settle(now)
        operations.append(operation)
    return operations
