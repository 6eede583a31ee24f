"""Readiness probe: a TCP connect to 127.0.0.1:port, then a real `SELECT 1` as the application role.

`pg_isready` only says the postmaster answers; a developer needs to know their role, password and
database work, so the probe logs in as them. Clock and sleep are injectable for tests.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import psycopg
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.localpg.errors import LocalPgError

__all__ = ["Attempt", "AttemptFailed", "ProbeResult", "ProbeTarget", "probe", "select_one"]

_MAX_ATTEMPT_TIMEOUT_S = 5.0
# A server that answers with these will not change its mind by waiting.
_FINAL_ERRORS = (
    "password authentication failed",
    "does not exist",
    "no pg_hba.conf entry",
    "permission denied",
    "role is not permitted to log in",
)


class ProbeTarget(BaseModel):
    model_config = ConfigDict(frozen=True)

    port: int
    user: str
    password: SecretStr
    dbname: str
    host: str = "127.0.0.1"


class ProbeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    attempts: int
    elapsed_s: float
    # Time taken by the attempt that succeeded (TCP connect, login and SELECT 1).
    latency_s: float | None = None
    server_version: str | None = None
    error: str | None = None


class AttemptFailed(LocalPgError):
    """One probe attempt failed; `retryable` is False when waiting cannot help (bad password...).

    Internal to `probe`, which turns it into a failed ProbeResult: it never reaches a caller."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


# Runs one attempt with a timeout in seconds; returns the server version or raises AttemptFailed.
Attempt = Callable[[ProbeTarget, float], str]


def probe(
    target: ProbeTarget,
    *,
    timeout: float = 30.0,
    interval: float = 0.5,
    attempt: Attempt | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ProbeResult:
    """Retry `attempt` (default: `select_one`) until it succeeds, fails for good, or `timeout` passes."""
    run_attempt = attempt or select_one
    started = clock()
    deadline = started + timeout
    attempts = 0
    while True:
        attempts += 1
        before = clock()
        try:
            version = run_attempt(target, max(0.1, min(deadline - before, _MAX_ATTEMPT_TIMEOUT_S)))
        except AttemptFailed as failure:
            now = clock()
            if not failure.retryable or now + interval > deadline:
                reason = str(failure) if not failure.retryable else f"not ready after {timeout:g}s: {failure}"
                return ProbeResult(ok=False, attempts=attempts, elapsed_s=now - started, error=reason)
            sleep(interval)
            continue
        after = clock()
        return ProbeResult(
            ok=True,
            attempts=attempts,
            elapsed_s=after - started,
            latency_s=after - before,
            server_version=version,
        )


def select_one(target: ProbeTarget, timeout: float) -> str:
    """One attempt: TCP connect, then log in and run SELECT 1; returns the server's version string."""
    try:
        with socket.create_connection((target.host, target.port), timeout=timeout):
            pass
    except OSError as exc:
        raise AttemptFailed(
            f"nothing accepts TCP connections on {target.host}:{target.port} ({exc.strerror or exc})",
            retryable=True,
        ) from None
    try:
        with psycopg.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            dbname=target.dbname,
            password=target.password.get_secret_value(),
            connect_timeout=max(2, round(timeout)),
            autocommit=True,
        ) as conn:
            row = conn.execute("SELECT 1, current_setting('server_version')").fetchone()
    except psycopg.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AttemptFailed(message, retryable=not any(marker in message for marker in _FINAL_ERRORS)) from None
    if row is None or row[0] != 1:
        raise AttemptFailed(f"SELECT 1 returned {row!r}", retryable=True)
    return str(row[1])
