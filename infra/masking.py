"""Masking: secrets replaced before text reaches a terminal, a log or a file.

Two layers. `mask_uri_passwords` needs to know nothing: the password inside any `scheme://user:password@`
URI becomes `****` (the console applies it to every progress and error line). `Masker` also knows the
secrets of the moment (a role's password, a connection URI), in plain and URL-quoted form, for text
that might carry them anywhere (a migration's output). Pull-request comments use their own, stricter
rules (`infra/ops/prdiff/mask.py`: whole credentials are replaced).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

from pydantic import SecretStr

__all__ = ["MASK", "Masker", "mask_uri_passwords", "uri_password"]

MASK = "****"
# userinfo in any scheme://user:password@ URL, for masking text we cannot parse.
_USERINFO_PASSWORD_RE = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]*(?P<tail>@)")
# Very short values would mask ordinary words; real passwords and keys are long.
_MIN_SECRET_LENGTH = 6


def mask_uri_passwords(text: str) -> str:
    """`text` with the password of every URI in it replaced by ****."""
    return _USERINFO_PASSWORD_RE.sub(lambda m: f"{m.group('head')}{MASK}{m.group('tail')}", text)


def uri_password(uri: SecretStr) -> str:
    """The password inside a postgres:// URI ("" when there is none)."""
    try:
        return unquote(urlsplit(uri.get_secret_value()).password or "")
    except ValueError:
        return ""


class Masker:
    """Replaces known secrets (in plain and URL-quoted form) and any `scheme://user:password@` password."""

    def __init__(self, secrets: Iterable[str | SecretStr] = ()) -> None:
        self._replacements: dict[str, str] = {}
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | SecretStr, replacement: str = MASK) -> None:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if len(value) < _MIN_SECRET_LENGTH:
            return
        for form in (value, quote(value, safe=""), unquote(value)):
            self._replacements[form] = replacement

    def add_uri(self, uri: SecretStr) -> None:
        """The URI (shown with its password masked) and the password on its own."""
        self.add(uri, mask_uri_passwords(uri.get_secret_value()))
        self.add(uri_password(uri))

    def __call__(self, text: str) -> str:
        # Longest first, so that a URI is replaced whole before its password is.
        for secret in sorted(self._replacements, key=len, reverse=True):
            text = text.replace(secret, self._replacements[secret])
        return mask_uri_passwords(text)
