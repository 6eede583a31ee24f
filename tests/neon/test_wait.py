"""The operation waiter: terminal states, adaptive schedule, deadline, failures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from infra.neon import PollPolicy, errors
from infra.neon._wait import OperationWaiter
from infra.neon.models import Operation
from tests.support.clock import FakeClock


@dataclass
class FakeOps:
    """Operations that run from `start` for `duration` seconds on the fake monotonic clock."""

    clock: FakeClock
    plan: dict[str, tuple[str, float, float, str]] = field(default_factory=dict)  # id -> action, start, dur, end
    fetches: list[str] = field(default_factory=list)
    history_calls: int = 0
    past: list[Operation] = field(default_factory=list)
    lists: list[float] = field(default_factory=list)  # when the project's operations were listed
    unlisted: set[str] = field(default_factory=set)  # operations the list leaves out (pushed off the page)

    def add(self, oid: str, action: str, start: float, duration: float, end: str = "finished") -> Operation:
        self.plan[oid] = (action, start, duration, end)
        return self.current(oid)

    def current(self, oid: str) -> Operation:
        action, start, duration, end = self.plan[oid]
        now = self.clock.monotonic()
        status = "scheduling" if now < start else ("running" if now < start + duration else end)
        done = status == end
        return Operation(
            id=oid,
            project_id="p",
            action=action,
            status=status,
            total_duration_ms=int(duration * 1000) if done else 0,
            error="disk on fire" if end in ("failed", "error") else None,
        )

    def fetch(self, _pid: str, oid: str) -> Operation:
        self.fetches.append(oid)
        return self.current(oid)

    def history(self, _pid: str, _limit: int) -> list[Operation]:
        self.history_calls += 1
        return self.past

    def listing(self, _pid: str, limit: int) -> list[Operation]:
        """The project's operations, newest first, as a chain's poll lists them."""
        self.lists.append(self.clock.monotonic())
        return [self.current(oid) for oid in reversed(self.plan) if oid not in self.unlisted][:limit]


def waiter_for(ops: FakeOps, clock: FakeClock, **policy: object) -> OperationWaiter:
    return OperationWaiter(
        fetch=ops.fetch,
        history=ops.history,
        policy=PollPolicy(**policy),  # type: ignore[arg-type]
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        poll_all=ops.listing,
    )


def test_cold__two_polls_of_the_prior_then_geometric(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    op = ops.add("o1", "create_timeline", 0.0, 2.0)
    done = waiter_for(ops, clock).wait("create_project", "p", [op])
    assert done[0].status == "finished"
    assert clock.sleeps == [1.0, 1.0]
    assert len(ops.fetches) == 2


def test_cold__a_long_first_operation_is_followed_geometrically(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter_for(ops, clock).wait("create_project", "p", [ops.add("o1", "create_timeline", 0.0, 9.0)])
    assert clock.sleeps == [1.0, 1.0, 1.5, 2.25, 3.0, 3.0]  # polls at 1, 2, 3.5, 5.75, 8.75, 11.75 s
    assert len(ops.fetches) == 6


def test_cold__a_short_first_operation_costs_one_poll(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter_for(ops, clock).wait("create_project", "p", [ops.add("o1", "create_timeline", 0.0, 0.3)])
    assert clock.sleeps == [1.0]


def test_learned__one_aimed_poll_for_a_known_action(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock)
    waiter.wait("x", "p", [ops.add("o1", "create_branch", 0.0, 2.0)])
    clock.sleeps.clear()
    start = clock.monotonic()
    waiter.wait("x", "p", [ops.add("o2", "create_branch", start, 2.0)])
    assert clock.sleeps == [pytest.approx(2.01)]
    assert ops.fetches[-1:] == ["o2"]
    assert ops.fetches.count("o2") == 1


def test_learned__a_short_estimate_costs_small_steps_not_a_full_interval(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock)
    waiter.wait("x", "p", [ops.add("o1", "start_compute", 0.0, 2.0)])
    clock.sleeps.clear()
    start = clock.monotonic()
    waiter.wait("x", "p", [ops.add("o2", "start_compute", start, 2.5)])
    assert clock.sleeps == pytest.approx([2.01, 0.2, 0.3])
    assert clock.monotonic() - start == pytest.approx(2.51)


def test_unknown_action__falls_back_to_the_average_of_known_ones(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock)
    waiter.wait("x", "p", [ops.add("o1", "create_timeline", 0.0, 1.0)])
    clock.sleeps.clear()
    waiter.wait("x", "p", [ops.add("o2", "apply_config", clock.monotonic(), 1.0)])
    assert clock.sleeps == [pytest.approx(1.01)]


def test_chain__cold__two_lists_for_two_2s_operations(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    first, second = ops.add("o1", "create_timeline", 0.0, 2.0), ops.add("o2", "start_compute", 2.0, 2.0)
    done = waiter_for(ops, clock).wait("create_project", "p", [first, second])
    assert [op.status for op in done] == ["finished", "finished"]
    # Nothing seen: the prior, 1 s; the first runs since 1.01 s: guessed twice that, the second as
    # long: both over at 4.05 s.
    assert ops.lists == pytest.approx([1.01, 4.05])
    assert ops.fetches == []


def test_chain__cold__the_first_list_goes_out_after_the_prior_however_late_the_wait_began(clock: FakeClock) -> None:
    ops = FakeOps(clock)

    def ticking() -> float:  # real clocks move between two readings
        clock.advance(0.001)
        return clock.monotonic()

    waiter = OperationWaiter(
        fetch=ops.fetch, history=ops.history, poll_all=ops.listing, policy=PollPolicy(), sleep=clock.sleep,
        monotonic=ticking,
    )  # fmt: skip
    waiter.wait("x", "p", [ops.add("o1", "a", 0.0, 0.4), ops.add("o2", "b", 0.4, 0.4)])
    assert len(ops.lists) == 1
    assert ops.lists[0] < 1.1  # after the prior (1 s), not after the prior for each (2 s)


def test_chain__learned__one_list_at_the_expected_end(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock)
    for action in ("create_timeline", "start_compute"):
        waiter.estimates.observe(Operation(id=f"h-{action}", project_id="p", action=action, status="finished",
                                           total_duration_ms=2000))  # fmt: skip
    waiter.wait(
        "create_project", "p", [ops.add("o1", "create_timeline", 0.0, 2.0), ops.add("o2", "start_compute", 2.0, 2.0)]
    )
    assert ops.lists == pytest.approx([4.01])


def test_chain__cold__a_long_running_first_operation_is_followed_by_doubling(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter_for(ops, clock).wait("x", "p", [ops.add("o1", "a", 0.0, 5.0), ops.add("o2", "b", 5.0, 5.0)])
    # 1.01: a runs: 2.02 s guessed for each (4.05); a still runs: 8.1 s each guessed, the sleep capped
    # at twice max_interval (10.05): a ended at 5, b (5 s, learned from a) at 10.
    assert ops.lists == pytest.approx([1.01, 4.05, 10.05])


def test_chain__cold__short_operations_cost_one_list(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter_for(ops, clock).wait("x", "p", [ops.add("o1", "a", 0.0, 0.4), ops.add("o2", "b", 0.4, 0.4)])
    assert ops.lists == pytest.approx([1.01])


def test_chain__a_failed_earlier_operation_is_reported_even_when_the_last_one_finished(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    first, second = ops.add("o1", "a", 0.0, 0.5, end="error"), ops.add("o2", "b", 0.5, 0.5)
    with pytest.raises(errors.OperationFailedError, match=r"Neon operation a \(o1\) ended error: disk on fire"):
        waiter_for(ops, clock).wait("create_project", "p", [first, second])
    assert ops.lists == pytest.approx([1.01])  # both were over: one list showed how each ended


def test_chain__an_operation_missing_from_the_list_is_fetched_on_its_own(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    first, second = ops.add("o1", "a", 0.0, 1.0), ops.add("o2", "b", 1.0, 1.0)
    ops.unlisted.add("o1")
    done = waiter_for(ops, clock).wait("x", "p", [first, second])
    assert [op.status for op in done] == ["finished", "finished"]
    assert ops.fetches == ["o1"]


def test_chain__estimates_off__geometric_lists(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter_for(ops, clock, use_estimates=False).wait(
        "x", "p", [ops.add("o1", "a", 0.0, 2.0), ops.add("o2", "b", 2.0, 2.0)]
    )
    assert ops.lists == pytest.approx([1.0, 2.5, 4.75])  # the prior, then growing by 1.5


def test_chain__deadline(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    chain = [ops.add("o1", "slow", 0.0, 10_000.0), ops.add("o2", "b", 10_000.0, 1.0)]
    with pytest.raises(errors.OperationTimeoutError, match=r"x: Neon operation slow \(o1\) still running"):
        waiter_for(ops, clock, timeout=60.0).wait("x", "p", chain)
    assert clock.monotonic() == pytest.approx(60.0)
    assert max(clock.sleeps) <= 2 * 3.0  # a guess's sleep: at most twice max_interval


def test_seed__learns_from_project_history_once(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    ops.past = [
        Operation(id="h1", project_id="p", action="create_branch", status="finished", total_duration_ms=3000),
        Operation(id="h2", project_id="p", action="create_branch", status="running"),
    ]
    waiter = waiter_for(ops, clock)
    waiter.wait("x", "p", [ops.add("o1", "create_branch", 0.0, 3.0)])
    assert clock.sleeps == [pytest.approx(3.01)]
    waiter.wait("x", "p", [ops.add("o2", "suspend_compute", clock.monotonic(), 3.0)])
    assert ops.history_calls == 1


def test_seed__skipped_when_asked(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter_for(ops, clock).wait("x", "p", [ops.add("o1", "a", 0.0, 0.1)], seed=False)
    assert ops.history_calls == 0


def test_estimates_off__always_geometric(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock, use_estimates=False)
    waiter.wait("x", "p", [ops.add("o1", "a", 0.0, 2.0)])
    clock.sleeps.clear()
    waiter.wait("x", "p", [ops.add("o2", "a", clock.monotonic(), 2.0)])
    assert clock.sleeps == [1.0, 1.0]
    assert ops.history_calls == 0


@pytest.mark.parametrize("status", ["failed", "error", "cancelled"])
def test_failure__raises_with_action_id_and_error(clock: FakeClock, status: str) -> None:
    ops = FakeOps(clock)
    op = ops.add("op-77", "create_timeline", 0.0, 1.0, end=status)
    with pytest.raises(errors.OperationFailedError) as exc:
        waiter_for(ops, clock).wait("create_branch", "p", [op])
    err = exc.value
    assert (err.action, err.operation_id, err.status, err.operation) == (
        "create_timeline",
        "op-77",
        status,
        "create_branch",
    )
    expected_text = "disk on fire" if status != "cancelled" else "no error text"
    assert str(err) == f"create_branch: Neon operation create_timeline (op-77) ended {status}: {expected_text}"


def test_failure__already_failed_operation_raises_without_polling(clock: FakeClock) -> None:
    op = Operation(id="o", project_id="p", action="apply_config", status="error", error="bad config")
    ops = FakeOps(clock)
    with pytest.raises(errors.OperationFailedError, match="bad config"):
        waiter_for(ops, clock).wait("update_endpoint", "p", [op])
    assert ops.fetches == []


def test_terminal__nothing_to_poll(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    done = [Operation(id="o", project_id="p", action="a", status="skipped")]
    assert waiter_for(ops, clock).wait("x", "p", done) == done
    assert ops.fetches == []
    assert clock.sleeps == []


def test_unknown_status__counts_as_running(clock: FakeClock) -> None:
    replies = iter(["queued_somewhere", "cancelling", "finished"])
    op = Operation(id="o", project_id="p", action="a", status="new_status")
    waiter = OperationWaiter(
        fetch=lambda _p, _o: Operation(id="o", project_id="p", action="a", status=next(replies)),
        history=lambda _p, _n: [],
        poll_all=lambda _p, _n: [],
        policy=PollPolicy(),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    assert waiter.wait("x", "p", [op])[0].status == "finished"
    assert len(clock.sleeps) == 3


def test_deadline__bounded_wait_and_intervals(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    op = ops.add("o1", "slow", 0.0, 10_000.0)
    with pytest.raises(errors.OperationTimeoutError, match=r"x: Neon operation slow \(o1\) still running") as exc:
        waiter_for(ops, clock, timeout=60.0, max_interval=3.0).wait("x", "p", [op])
    assert exc.value.operation_id == "o1"
    assert clock.monotonic() == pytest.approx(60.0)
    assert max(clock.sleeps) <= 2 * 3.0  # a guess's sleep: at most twice max_interval


def test_deadline__a_stale_long_estimate_is_capped(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock, max_estimate_sleep=5.0)
    waiter.estimates.observe(
        Operation(id="h", project_id="p", action="a", status="finished", total_duration_ms=600_000)
    )
    waiter.wait("x", "p", [ops.add("o1", "a", 0.0, 1.0)])
    assert clock.sleeps == [pytest.approx(5.01)]


def test_policy__rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="multiplier"):
        PollPolicy(multiplier=0.5)
    with pytest.raises(ValueError, match="positive"):
        PollPolicy(timeout=0)


def test_pace__a_slow_first_operation_stretches_the_next_estimate(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock)
    for action in ("a", "b"):
        waiter.estimates.observe(
            Operation(id=f"h-{action}", project_id="p", action=action, status="finished", total_duration_ms=1000)
        )
    first, second = ops.add("o1", "a", 0.0, 3.0), ops.add("o2", "b", 3.0, 3.0)
    waiter.wait("x", "p", [first, second])
    # a outlives its 1 s: geometric from 0.1 s until it has ended (3 s, 3x its estimate); then b,
    # expected to take 1 s, is aimed at 3 s after that.
    assert ops.lists[-1] == pytest.approx(6.01)
    assert ops.lists[-2] < 6.0 - 2.0


def test_pace__a_fast_first_operation_shortens_the_next_estimate(clock: FakeClock) -> None:
    ops = FakeOps(clock)
    waiter = waiter_for(ops, clock)
    for action in ("a", "b"):
        waiter.estimates.observe(
            Operation(id=f"h-{action}", project_id="p", action=action, status="finished", total_duration_ms=2000)
        )
    first, second = ops.add("o1", "a", 0.0, 1.0), ops.add("o2", "b", 1.0, 1.0)
    waiter.wait("x", "p", [first, second])
    # One list at the expected end, though both were over at 2 s: skipping the poll between is what a
    # chain trades for being up to its estimate late when Neon runs faster than learned.
    assert ops.lists == pytest.approx([4.01])


def test_seed__a_failing_history_read_does_not_fail_the_wait(clock: FakeClock) -> None:
    ops = FakeOps(clock)

    def broken_history(_pid: str, _limit: int) -> list[Operation]:
        raise errors.PermissionDeniedError(
            operation="list_operations", status_code=403, code="", message="nope", request_id="r"
        )

    waiter = OperationWaiter(
        fetch=ops.fetch,
        history=broken_history,
        poll_all=ops.listing,
        policy=PollPolicy(),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    assert waiter.wait("x", "p", [ops.add("o1", "a", 0.0, 0.5)])[0].status == "finished"
