"""The mask every relayed line and message goes through."""

from __future__ import annotations

from pydantic import SecretStr

from infra.masking import Masker, uri_password

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
