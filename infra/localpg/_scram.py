"""Check a password against a stored SCRAM-SHA-256 verifier, so `ensure_role` can report "unchanged".

New verifiers come from libpq (`PGconn.encrypt_password`), which applies SASLprep. We only recompute
for ASCII passwords, where SASLprep changes nothing; for others we answer "does not match" and the
caller simply sets the password again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

_VERIFIER_RE = re.compile(r"SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)")


def verifier_matches(verifier: str | None, password: str) -> bool:
    if verifier is None or not password.isascii():
        return False
    match = _VERIFIER_RE.fullmatch(verifier)
    if match is None:
        return False
    try:
        salt, stored_key, server_key = (base64.b64decode(match.group(i), validate=True) for i in (2, 3, 4))
    except (binascii.Error, ValueError):
        return False
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(match.group(1)))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    expected_stored = hashlib.sha256(client_key).digest()
    expected_server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return hmac.compare_digest(expected_stored, stored_key) and hmac.compare_digest(expected_server, server_key)
