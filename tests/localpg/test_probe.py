"""Readiness probe: retries with an injected clock and sleep, stops early on final errors."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from infra.localpg.probe import AttemptFailed, ProbeTarget, probe, select_one
from tests.support.clock import FakeClock
from tests.support.ports import pick_free_port

TARGET = ProbeTarget(port=5432, user="dev", password="s3cret-pw", dbname="app")


class ScriptedAttempt:
    """Fails with the given errors, then answers with a version; each attempt takes `cost` seconds."""

    def __init__(self, clock: FakeClock, failures: list[AttemptFailed], *, cost: float = 0.01) -> None:
        self.clock = clock
        self.failures = failures
        self.cost = cost
        self.timeouts: list[float] = []

    def __call__(self, target: ProbeTarget, timeout: float) -> str:
        self.timeouts.append(timeout)
        self.clock.advance(self.cost)
        if self.failures:
            raise self.failures.pop(0)
        return "15.18 (Debian 15.18-0+deb12u1)"


def refused() -> AttemptFailed:
    return AttemptFailed("nothing accepts TCP connections on 127.0.0.1:5432 (Connection refused)", retryable=True)


def test_ready_after_retries() -> None:
    clock = FakeClock()
    attempt = ScriptedAttempt(clock, [refused(), refused()], cost=0.02)

    result = probe(TARGET, timeout=10, interval=0.5, attempt=attempt, clock=clock.monotonic, sleep=clock.sleep)

    assert result.ok
    assert result.attempts == 3
    assert clock.sleeps == [0.5, 0.5]
    assert result.latency_s == pytest.approx(0.02)
    assert result.elapsed_s == pytest.approx(1.06)
    assert result.server_version == "15.18 (Debian 15.18-0+deb12u1)"
    assert result.error is None


def test_final_error_stops_at_once() -> None:
    clock = FakeClock()
    bad_password = AttemptFailed('FATAL:  password authentication failed for user "dev"', retryable=False)
    attempt = ScriptedAttempt(clock, [bad_password])

    result = probe(TARGET, timeout=10, attempt=attempt, clock=clock.monotonic, sleep=clock.sleep)

    assert not result.ok
    assert result.attempts == 1
    assert clock.sleeps == []
    assert result.error == 'FATAL:  password authentication failed for user "dev"'


def test_times_out_with_the_last_error() -> None:
    clock = FakeClock()
    attempt = ScriptedAttempt(clock, [refused() for _ in range(100)], cost=0.0)

    result = probe(TARGET, timeout=2.0, interval=0.5, attempt=attempt, clock=clock.monotonic, sleep=clock.sleep)

    assert not result.ok
    assert result.attempts == 5  # at 0, 0.5, 1.0, 1.5, 2.0 s
    assert result.error is not None
    assert result.error.startswith("not ready after 2s: nothing accepts TCP connections")
    assert result.elapsed_s <= 2.0


def test_attempt_timeout_is_capped_and_shrinks_to_the_deadline() -> None:
    clock = FakeClock()
    attempt = ScriptedAttempt(clock, [refused(), refused()], cost=0.0)

    probe(TARGET, timeout=5.6, interval=5.0, attempt=attempt, clock=clock.monotonic, sleep=clock.sleep)

    assert attempt.timeouts == [5.0, pytest.approx(0.6)]


def test_zero_timeout_still_tries_once() -> None:
    clock = FakeClock()
    attempt = ScriptedAttempt(clock, [])

    assert probe(TARGET, timeout=0, attempt=attempt, clock=clock.monotonic, sleep=clock.sleep).ok


def test_target_repr_hides_the_password() -> None:
    assert "s3cret-pw" not in repr(TARGET)


def test_select_one__nothing_listening_is_retryable() -> None:
    port = pick_free_port()

    with pytest.raises(AttemptFailed) as exc:
        select_one(TARGET.model_copy(update={"port": port}), 1.0)

    assert exc.value.retryable
    assert f"127.0.0.1:{port}" in str(exc.value)


@pytest.fixture
def not_postgres() -> Iterator[int]:
    """A loopback listener that accepts and hangs up at once, like a server that is shutting down."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        server.close()
        thread.join(timeout=5)


def test_select_one__server_hangs_up_is_retryable_and_hides_password(not_postgres: int) -> None:
    with pytest.raises(AttemptFailed) as exc:
        select_one(TARGET.model_copy(update={"port": not_postgres}), 2.0)

    assert exc.value.retryable
    assert "s3cret-pw" not in str(exc.value)
