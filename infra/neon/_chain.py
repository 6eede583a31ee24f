"""Where a mutation's chain of operations is expected to end: the aim of one poll for all of them.

Neon runs a project's operations one after another, and one request (the project's operation list,
newest first) shows them all. So a mutation with several operations is polled once, at the expected
end of the last one, instead of once per operation; the list also shows how each earlier one ended,
so a failure is never taken for granted. The end is the sum of the operations' expected durations,
counted from when the chain started (or from where a finished operation really ended): a learned
average, times the chain's pace (how much slower or faster than expected its finished operations
ran). An operation of a kind never seen gets a guess: the running one, twice as long as it has been
running already (a doubling guess: never more than twice too late, polled a logarithmic number of
times), at least the prior (`PollPolicy.initial_interval`); one after it, as long as the one before.
Before anything was seen (a machine's first run), the first poll goes out after the prior, as for a
single operation: short operations are then over at once. When a running operation with a learned
duration has outlived it, there is no aim (None): the waiter polls on a geometric schedule from a
tenth of that estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.neon.models.operations import Operation

# Bounds on the pace factor: how much faster or slower than estimated a chain's operations run.
MIN_PACE, MAX_PACE = 0.25, 4.0


@dataclass(frozen=True)
class Aim:
    at: float  # monotonic time of the next poll
    learned: bool  # every estimate behind it was learned (else it is a guess: sleeps are capped lower)


def pace(operations: Sequence[Operation], expected: dict[str, float | None]) -> float:
    """Actual over expected duration of the chain's last finished operation with an estimate."""
    for op in reversed(operations):
        estimate = expected.get(op.id)
        if op.is_terminal and estimate and op.total_duration_ms > 0:
            return min(max(op.total_duration_ms / 1000.0 / estimate, MIN_PACE), MAX_PACE)
    return 1.0


def chain_aim(
    operations: Sequence[Operation],
    expected: dict[str, float | None],
    *,
    started: float,
    now: float,
    prior: float,
    slack: float,
    polled: bool,
) -> Aim | None:
    """When the last of `operations` should have ended (`expected`: each one's estimate, or None;
    `polled`: whether they have been seen since `started`)."""
    factor = pace(operations, expected)
    at, previous, learned = started, None, True
    for op in operations:
        if op.is_terminal:
            # It ended no later than `at + its duration` (it began no earlier than we started watching).
            at = min(now, at + op.total_duration_ms / 1000.0) if op.total_duration_ms > 0 else now
            continue
        estimate = expected.get(op.id)
        if estimate is not None:
            estimate *= factor
            if previous is None and at + estimate <= now:
                return None  # the running one outlived what was learned
        elif previous is not None:
            learned, estimate = False, previous
        elif not polled:
            return Aim(at + prior + slack, learned=False)  # nothing seen yet: the prior, as for one
        else:
            learned, estimate = False, max(prior, 2.0 * (now - at))
        at, previous = at + estimate, estimate
    return Aim(at + slack, learned)
