"""RetryPolicy: backoff bounds, jitter, Retry-After parsing."""

from __future__ import annotations

import random

import pytest

from infra.neon import RetryPolicy
from infra.neon._retry import parse_retry_after


def test_backoff__doubles_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, jitter=0.0)
    assert [policy.backoff(n, random.Random(1)) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff__jitter_only_shortens_within_the_fraction() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.5)
    rng = random.Random(3)
    delays = [policy.backoff(3, rng) for _ in range(200)]
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100


def test_delay__retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(retry_after_cap=5.0)
    assert policy.delay(1, 3.0, random.Random(0)) == 3.0
    assert policy.delay(1, 120.0, random.Random(0)) == 5.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("0.25", 0.25),
        (None, None),
        ("", None),
        ("soon", None),
        ("-3", None),
        ("inf", None),
        ("Thu, 01 Jan 2026 00:00:10 GMT", 10.0),
        ("Thu, 01 Jan 2026 00:00:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, lambda: 1_767_225_600.0) == expected


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"jitter": 1.5}, {"base_delay": -1.0}])
def test_policy__rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
