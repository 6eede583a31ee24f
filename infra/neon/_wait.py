"""PollPolicy and the operation waiter: poll the operations a mutation returned until they are terminal.

Design. The client learns durations: an exponentially weighted average of `total_duration_ms` per
action (and over all actions, the fallback for an unseen action), seeded once per project from its
recent history (one list request) when an action is unknown. One operation still running is polled
on its own (GET of the operation): with an estimate, the first poll is aimed just after the expected
end; with none (a machine's first run), it goes out after `initial_interval`, a prior for Neon's
pace (1 s), the second as long after it, then geometric: growing by `multiplier` up to
`max_interval`. Several (a project: its timeline, then its compute) are polled as a chain: Neon runs
a project's operations one after another, and the project's operation list shows them all, so each
poll is one list request aimed at the expected end of the last one (infra/neon/_chain.py: learned
estimates scaled by the chain's pace, the prior for an unknown action, a doubling guess for the one
running); the list also shows how every earlier one ended. A cold chain of two 2-second operations
costs two requests (after the prior, 1 s, then at the guessed end, 4 s), a learned one a single one.
After a missed aim, polling restarts geometric from a tenth of the estimate, so a slightly short
estimate costs one or two small extra polls. Worst cases stay bounded: no aimed sleep exceeds
`max_estimate_sleep` (twice `max_interval` when it rests on a guess), no geometric one
`max_interval`, and `timeout` is an overall deadline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from infra.neon import errors
from infra.neon._chain import chain_aim, pace
from infra.neon.models.operations import Operation

logger = logging.getLogger("infra.neon")

# How many more of the project's newest operations a chain's poll lists than the chain has (others,
# e.g. the control plane's, may have been created since); any still missing is fetched on its own.
_LIST_MARGIN = 5


@dataclass(frozen=True)
class PollPolicy:
    """How long to wait between operation polls, and for how long in total.

    Attributes:
        initial_interval: first sleep when nothing is known about the operation's duration (a
            prior: polls go out after 1x and 2x of it, then geometric).
        multiplier: growth of the interval after each poll that found the operation running.
        max_interval: the cap on one geometric interval.
        min_interval: the floor on any sleep between polls.
        timeout: overall deadline (seconds) for one wait over all of a mutation's operations.
        use_estimates: aim polls at the expected end, learned from finished operations.
        estimate_slack: how long after the expected end the aimed poll goes out (covers the
            millisecond rounding of `total_duration_ms`; our start is already later than Neon's).
        max_estimate_sleep: the cap on one aimed sleep, so a stale long estimate cannot stall us.
        history_size: finished operations read once per project to seed estimates (0 = never).
    """

    initial_interval: float = 1.0
    multiplier: float = 1.5
    max_interval: float = 3.0
    min_interval: float = 0.05
    timeout: float = 900.0
    use_estimates: bool = True
    estimate_slack: float = 0.01
    max_estimate_sleep: float = 30.0
    history_size: int = 20

    def __post_init__(self) -> None:
        if self.multiplier < 1.0:
            raise ValueError("multiplier must be at least 1")
        if min(self.initial_interval, self.min_interval, self.max_interval, self.timeout) <= 0:
            raise ValueError("intervals and timeout must be positive")


class DurationEstimator:
    """Exponentially weighted average of finished operations' durations, per action and overall."""

    def __init__(self, weight: float = 0.5) -> None:
        self._weight = weight
        self._by_action: dict[str, float] = {}
        self._overall: float | None = None
        self._lock = threading.Lock()

    def observe(self, operation: Operation) -> None:
        if not operation.succeeded or operation.total_duration_ms <= 0:
            return
        seconds = operation.total_duration_ms / 1000.0
        with self._lock:
            previous = self._by_action.get(operation.action)
            self._by_action[operation.action] = self._blend(previous, seconds)
            self._overall = self._blend(self._overall, seconds)

    def estimate(self, action: str) -> float | None:
        with self._lock:
            return self._by_action.get(action, self._overall)

    def knows(self, action: str) -> bool:
        with self._lock:
            return action in self._by_action

    def snapshot(self) -> dict[str, float]:
        """The per-action averages, to be kept between processes (`_durations.DurationFile`)."""
        with self._lock:
            return dict(self._by_action)

    def preload(self, durations: dict[str, float]) -> None:
        """Start from averages learned earlier; the overall fallback is their mean."""
        with self._lock:
            self._by_action.update(durations)
            if self._by_action and self._overall is None:
                self._overall = sum(self._by_action.values()) / len(self._by_action)

    def _blend(self, previous: float | None, seconds: float) -> float:
        return seconds if previous is None else previous + self._weight * (seconds - previous)


class OperationWaiter:
    """Polls operations to a terminal state; raises on failure or at the deadline."""

    def __init__(
        self,
        *,
        fetch: Callable[[str, str], Operation],
        history: Callable[[str, int], list[Operation]],
        policy: PollPolicy,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        poll_all: Callable[[str, int], list[Operation]],
    ) -> None:
        self._fetch = fetch
        self._history = history
        self._poll_all = poll_all
        self._policy = policy
        self._sleep = sleep
        self._monotonic = monotonic
        self.estimates = DurationEstimator()
        self._primed: set[str] = set()

    def knows_history_of(self, project_id: str) -> None:
        """This client saw every operation of `project_id` (it created it): its history teaches nothing."""
        self._primed.add(project_id)

    def wait(
        self, name: str, project_id: str, operations: Sequence[Operation], *, seed: bool = True
    ) -> list[Operation]:
        """Wait for `operations` in order; `name` (the client method) goes into errors."""
        if all(op.is_terminal for op in operations):
            return [self._settled(name, op) for op in operations]
        if seed:
            self._seed(project_id, operations)
        deadline = self._monotonic() + self._policy.timeout
        started = self._monotonic()
        if sum(not op.is_terminal for op in operations) > 1:
            return self._wait_chain(name, project_id, list(operations), started=started, deadline=deadline)
        done: list[Operation] = []
        for operation in operations:  # one still running: its own polls
            expected = self.estimates.estimate(operation.action) if self._policy.use_estimates else None
            done.append(
                self._wait_one(name, project_id, operation, started=started, deadline=deadline, expected=expected)
            )
        return done

    def _wait_chain(
        self, name: str, project_id: str, ops: list[Operation], *, started: float, deadline: float
    ) -> list[Operation]:
        """Several operations: one list request per poll, aimed at the last one's expected end (_chain.py)."""
        policy, step, polled = self._policy, 0.0, False
        expected: dict[str, float | None] = {}
        for op in ops:  # those already over: failures raise now
            if op.is_terminal:
                self._settled(name, op)
        while True:
            for op in ops:  # pending ones: what is known now (a finished one keeps what it was expected to take)
                if not op.is_terminal:
                    expected[op.id] = self.estimates.estimate(op.action) if policy.use_estimates else None
            now = self._monotonic()
            current = next(op for op in ops if not op.is_terminal)
            aim = (
                chain_aim(ops, expected, started=started, now=now, prior=policy.initial_interval,
                          slack=policy.estimate_slack, polled=polled)
                if policy.use_estimates
                else None
            )  # fmt: skip
            if aim is not None:
                step = 0.0
                cap = policy.max_estimate_sleep if aim.learned else 2 * policy.max_interval
                delay = min(aim.at - now, cap)
            else:  # outlived its estimate (or estimates are off): geometric from a tenth of it
                first = (expected.get(current.id) or policy.initial_interval * 10) * pace(ops, expected) / 10.0
                step = min(step * policy.multiplier, policy.max_interval) if step else min(first, policy.max_interval)
                delay = step
            delay = min(max(policy.min_interval, delay), deadline - now)
            if delay <= 0:
                raise _timed_out(name, current, waited=now - started)
            self._sleep(delay)
            ops, polled = self._polled(name, project_id, ops), True
            if all(op.is_terminal for op in ops):
                return ops

    def _polled(self, name: str, project_id: str, ops: list[Operation]) -> list[Operation]:
        """The chain's operations as the project's operation list shows them now; newly ended ones settled."""
        listed = {op.id: op for op in self._poll_all(project_id, len(ops) + _LIST_MARGIN)}
        fresh = []
        for op in ops:
            if op.is_terminal:
                fresh.append(op)
                continue
            latest = listed.get(op.id) or self._fetch(project_id, op.id)
            if latest.is_terminal:
                self._settled(name, latest)
            fresh.append(latest)
        return fresh

    def _wait_one(
        self,
        name: str,
        project_id: str,
        op: Operation,
        *,
        started: float,
        deadline: float,
        expected: float | None,
    ) -> Operation:
        delays = self._delays(expected, started)
        while not op.is_terminal:
            now = self._monotonic()
            delay = min(next(delays), deadline - now)
            if delay <= 0:
                raise _timed_out(name, op, waited=now - started)
            logger.debug("operation %s (%s) is %s: next poll in %.2fs", op.id, op.action, op.status, delay)
            self._sleep(delay)
            op = self._fetch(project_id, op.id)
        return self._settled(name, op)

    def _settled(self, name: str, op: Operation) -> Operation:
        self.estimates.observe(op)
        if op.failed:
            raise errors.OperationFailedError(
                operation=name, action=op.action, operation_id=op.id, status=op.status, error=op.error
            )
        return op

    def _delays(self, expected: float | None, started: float) -> Iterator[float]:
        """Sleeps before each poll: one aimed at the expected end (or two of the prior), then geometric."""
        policy = self._policy
        step = policy.initial_interval
        if expected is not None:
            aimed = min(expected, policy.max_estimate_sleep) + policy.estimate_slack
            yield max(policy.min_interval, started + aimed - self._monotonic())
            step = min(step, expected / 10.0)
        else:
            yield max(policy.min_interval, min(step, policy.max_interval))
        while True:
            yield max(policy.min_interval, min(step, policy.max_interval))
            step *= policy.multiplier

    def _seed(self, project_id: str, operations: Sequence[Operation]) -> None:
        """Learn durations from the project's recent history, once, if an action is unknown."""
        if not self._policy.use_estimates or self._policy.history_size <= 0 or project_id in self._primed:
            return
        if all(self.estimates.knows(op.action) for op in operations):
            return
        self._primed.add(project_id)
        try:
            history = self._history(project_id, self._policy.history_size)
        except errors.NeonError as exc:  # only an optimisation: never fail a wait over it
            logger.debug("could not read operation history of %s: %s", project_id, type(exc).__name__)
            return
        waiting = {op.id for op in operations}
        for past in history:
            if past.id not in waiting:
                self.estimates.observe(past)


def _timed_out(name: str, op: Operation, *, waited: float) -> errors.OperationTimeoutError:
    """The deadline passed with `op` (the first one not over) still running."""
    return errors.OperationTimeoutError(
        operation=name, action=op.action, operation_id=op.id, status=op.status, waited=waited
    )
