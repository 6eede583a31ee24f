"""SCRAM verifier check against verifiers made by libpq, the same code the server trusts."""

from __future__ import annotations

import pytest
from psycopg import pq

from infra.localpg._scram import verifier_matches


def libpq_verifier(password: str) -> str:
    # encrypt_password needs a PGconn object but no server when the algorithm is given.
    conn = pq.PGconn.connect_start(b"host=127.0.0.1 port=1 connect_timeout=1")
    try:
        return conn.encrypt_password(password.encode(), b"dev", b"scram-sha-256").decode()
    finally:
        conn.finish()


def test_same_password_matches() -> None:
    assert verifier_matches(libpq_verifier("p@ss w0rd'\""), "p@ss w0rd'\"")


def test_other_password_does_not_match() -> None:
    assert not verifier_matches(libpq_verifier("right"), "wrong")


@pytest.mark.parametrize("stored", [None, "", "md5abcdef", "SCRAM-SHA-256$4096:!!$x:y"])
def test_missing_or_foreign_verifier_does_not_match(stored: str | None) -> None:
    assert not verifier_matches(stored, "anything")


def test_non_ascii_password_is_reported_as_different() -> None:
    # SASLprep is not reimplemented: ensure_role then just sets the password again.
    assert not verifier_matches(libpq_verifier("pässwörd"), "pässwörd")
