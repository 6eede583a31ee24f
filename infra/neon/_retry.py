"""RetryPolicy: which failures the request loop retries, and how long it waits between attempts."""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

# Neon documents 423 and 503 as always safe to retry, 429 means "slow down"; none of the three applied.
NOT_APPLIED_STATUSES = frozenset({423, 429, 503})
# These may or may not have applied (a proxy timed out, the server crashed mid-request).
AMBIGUOUS_STATUSES = frozenset({500, 502, 504, 520, 522, 524})
RETRYABLE_STATUSES = NOT_APPLIED_STATUSES | AMBIGUOUS_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter, under a total time budget per call.

    Attributes:
        max_attempts: attempts per call, the first included.
        base_delay: the delay before the second attempt, doubled for every further one.
        max_delay: the cap on a single backoff delay.
        jitter: fraction of each delay that is randomised (0 = none, 1 = "full jitter").
        retry_after_cap: the most a server `Retry-After` may make us wait for one retry.
        total_budget: seconds a call may spend across all attempts and sleeps before giving up.
        attempt_timeout: the httpx timeout of one attempt (connect, read, write, pool).
        settle_delay: after a create timed out, wait this long before checking whether it applied,
            so a request still being processed server-side is not mistaken for one that never arrived.
        clock_skew: seconds of tolerance when matching `created_at` against our own clock.
        create_attempts: how many times a create is re-sent after it was verified not applied.
    """

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 10.0
    jitter: float = 0.5
    retry_after_cap: float = 30.0
    total_budget: float = 180.0
    attempt_timeout: float = 60.0
    settle_delay: float = 2.0
    clock_skew: float = 120.0
    create_attempts: int = 3

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.create_attempts < 1:
            raise ValueError("max_attempts and create_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if min(self.base_delay, self.max_delay, self.retry_after_cap, self.total_budget) < 0:
            raise ValueError("delays and budgets must not be negative")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The delay after failed attempt number `attempt` (1-based), jittered downwards."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 30))
        return ceiling * (1.0 - self.jitter * rng.random())

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """The delay before the next attempt: the server's Retry-After (capped) wins over backoff."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        return self.backoff(attempt, rng)


def parse_retry_after(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(when.timestamp() - now(), 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
