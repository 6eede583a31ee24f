"""A fake clock shared by the client and the emulator in unit tests: sleeping advances time."""

from __future__ import annotations

import threading


class FakeClock:
    """Wall and monotonic time that only move when someone sleeps or calls `advance`.

    Pass `clock.time` to the emulator backend and `clock.sleep` / `clock.monotonic` to the client:
    the client's waits then advance the emulator's operations without any real sleeping.
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._start = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def time(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._now - self._start

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))
