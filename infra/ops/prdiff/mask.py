"""Keep secrets out of the PR comment: masked values, masked free text, readable unknowns.

The CLI already prints secret values as `[secret]`, but a preview saved with `--show-secrets`, a
state envelope or an error message quoting a connection string must not leak either. So a value is
masked when it is a secret envelope, when its key names something sensitive (password, URI, token,
key...), or when it looks like a credential (a URI with a password, any PostgreSQL URI, a Neon API
key).
"""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import JsonValue

MASKED: Final = "[secret]"
UNKNOWN: Final = "(known after apply)"

# Pulumi's marker for a secret value in state and engine JSON (`resource.SecretSig`).
_ENVELOPE_SIG: Final = "4dabf18193072939515e22adb298388d"
# The engine's placeholder for a value computed during the update (`plugin.UnknownStringValue`).
_UNKNOWN_SENTINEL: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

_SENSITIVE_KEY = re.compile(
    r"pass(word|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|connection[_-]?(uri|string)|"
    r"dsn|(^|_)ur[il]s?$",
    re.IGNORECASE,
)
_CREDENTIAL_PATTERNS: Final = (
    # any URI carrying a password: scheme://user:password@host...
    re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/@:]*:[^\s@]*@[^\s'\"`<>|]*", re.IGNORECASE),
    # any PostgreSQL URI, with or without a password: it names a role and a host
    re.compile(r"\bpostgres(?:ql)?://[^\s'\"`<>|]+", re.IGNORECASE),
    # Neon API keys
    re.compile(r"\bnapi_[A-Za-z0-9]{8,}\b"),
)


def is_secret_envelope(value: Any) -> bool:
    return isinstance(value, dict) and _ENVELOPE_SIG in value


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value == _UNKNOWN_SENTINEL


def looks_like_credential(text: str) -> bool:
    return any(pattern.search(text) for pattern in _CREDENTIAL_PATTERNS)


def sensitive_key(key: str) -> bool:
    return bool(_SENSITIVE_KEY.search(key))


def mask_value(key: str, value: Any) -> JsonValue:
    """The value as it may appear in a comment (recursively for lists and objects)."""
    if is_secret_envelope(value):
        return MASKED
    if isinstance(value, list):
        return [mask_value(key, item) for item in value]
    if isinstance(value, dict):
        return {str(k): mask_value(str(k), v) for k, v in value.items()}
    return _mask_scalar(key, value)


def _mask_scalar(key: str, value: Any) -> JsonValue:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and is_unknown(value):
        return UNKNOWN
    if not isinstance(value, str | int | float):
        return MASKED  # anything unexpected is not shown
    if sensitive_key(key) or (isinstance(value, str) and looks_like_credential(value)):
        return MASKED if value != "" else value
    return value


def mask_text(text: str) -> str:
    """Free text (diagnostics, CLI errors) with every credential-looking token replaced."""
    for pattern in _CREDENTIAL_PATTERNS:
        text = pattern.sub(MASKED, text)
    return text
