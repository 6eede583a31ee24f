"""Masking: every known secret (and any URI password) replaced before text reaches a terminal or file."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

from pydantic import SecretStr

from infra.devenv.dburl import MASK, mask_database_url


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
        # Very short values would mask ordinary words; real passwords and keys are long.
        if len(value) < 6:
            return
        for form in (value, quote(value, safe=""), unquote(value)):
            self._replacements[form] = replacement

    def add_uri(self, uri: SecretStr) -> None:
        """The URI (shown with its password masked) and the password on its own."""
        self.add(uri, mask_database_url(uri.get_secret_value()))
        self.add(uri_password(uri))

    def __call__(self, text: str) -> str:
        # Longest first, so that a URI is replaced whole before its password is.
        for secret in sorted(self._replacements, key=len, reverse=True):
            text = text.replace(secret, self._replacements[secret])
        return mask_database_url(text)
