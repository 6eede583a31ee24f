"""The mask every relayed line and message goes through."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from infra.masking import Masker, mask_uri_passwords, uri_password

URI = SecretStr("postgresql://owner.br-1:p%40ss%2Fw0rd%21@ep-x.neon.tech:5432/db?sslmode=require")


def test_uri_password__unquoted() -> None:
    assert uri_password(URI) == "p@ss/w0rd!"
    assert uri_password(SecretStr("postgresql://nopassword@h/db")) == ""


def test_masker__uri_shown_without_password_and_password_in_any_form() -> None:
    mask = Masker()
    mask.add_uri(URI)
    assert mask(f"url={URI.get_secret_value()}") == (
        "url=postgresql://owner.br-1:****@ep-x.neon.tech:5432/db?sslmode=require"
    )
    assert mask("password is p@ss/w0rd! or p%40ss%2Fw0rd%21") == "password is **** or ****"


def test_masker__other_uris_and_short_values() -> None:
    mask = Masker(["abc"])  # too short to be a secret: masking it would garble ordinary words
    assert mask("abc postgresql://u:hunter22@h/db") == "abc postgresql://u:****@h/db"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://dev:s3cret@127.0.0.1:5432/devdb", "postgresql://dev:****@127.0.0.1:5432/devdb"),
        (
            "postgres://u:p%40ss@db.example:5432/x?sslmode=require",
            "postgres://u:****@db.example:5432/x?sslmode=require",
        ),
        ("DATABASE_URL=postgresql://a:b@h/d (ok)", "DATABASE_URL=postgresql://a:****@h/d (ok)"),
        ("postgresql://nopassword@127.0.0.1/db", "postgresql://nopassword@127.0.0.1/db"),
        (
            "two: postgresql://a:x@h/d and postgresql://b:y@h/e",
            "two: postgresql://a:****@h/d and postgresql://b:****@h/e",
        ),
        ("not a url", "not a url"),
    ],
)
def test_mask_uri_passwords(text: str, masked: str) -> None:
    assert mask_uri_passwords(text) == masked
