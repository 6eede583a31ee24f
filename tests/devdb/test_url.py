"""DATABASE_URL building (percent-encoded, one builder), parsing back, and masked display."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from infra.config import settings_from_stack_file
from infra.devdb.url import DatabaseUrl, dev_url
from tests.support.pulumi_project import REPO


def build_database_url(*, user: str, password: str, port: int, database: str) -> str:
    return DatabaseUrl(user=user, password=SecretStr(password), port=port, database=database).render()


def test_build_plain() -> None:
    assert (
        build_database_url(user="dev", password="s3cret", port=5432, database="devdb")
        == "postgresql://dev:s3cret@127.0.0.1:5432/devdb"
    )


def test_build_percent_encodes_every_part() -> None:
    url = build_database_url(user="d@v", password="p:a/s?s#w@rd %", port=5433, database="my db")

    assert url == "postgresql://d%40v:p%3Aa%2Fs%3Fs%23w%40rd%20%25@127.0.0.1:5433/my%20db"


def test_parse_round_trip_of_a_built_url() -> None:
    url = build_database_url(user="d@v", password="p:a/s?s#w@rd %", port=5433, database="my db")

    parsed = DatabaseUrl.parse(url)

    assert (parsed.user, parsed.password.get_secret_value(), parsed.port, parsed.database, parsed.host) == (
        "d@v", "p:a/s?s#w@rd %", 5433, "my db", "127.0.0.1",
    )  # fmt: skip
    assert parsed.render() == url


def test_masked_form_hides_the_password() -> None:
    url = DatabaseUrl(user="dev", password=SecretStr("s3cret"), port=5432, database="devdb")

    assert url.masked() == "postgresql://dev:****@127.0.0.1:5432/devdb"
    assert str(url) == url.masked()
    assert "s3cret" not in repr(url)
    assert "s3cret" not in f"{url}"


def test_ipv6_host_is_bracketed() -> None:
    url = DatabaseUrl(user="dev", password=SecretStr("pw"), port=5432, database="d", host="::1")

    assert url.render() == "postgresql://dev:pw@[::1]:5432/d"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:topsecret@h/d", "not a PostgreSQL URL"),
        ("postgresql://u@h/d", "needs a user, a password and a host"),
        ("postgresql://u:topsecret@h:port/d", "port is not a number"),
        ("postgresql://u:topsecret@h:5432/", "names no database"),
    ],
)
def test_parse_errors_never_echo_the_url(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as exc:
        DatabaseUrl.parse(url)

    assert "topsecret" not in str(exc.value)


def test_parse_defaults_the_port() -> None:
    assert DatabaseUrl.parse("postgresql://u:p@h/d").port == 5432


def test_the_dev_url_is_built_from_the_settings_by_the_same_builder() -> None:
    dev = settings_from_stack_file(REPO, "dev").dev
    url = dev_url(dev, "p@ss word")
    assert url.render() == "postgresql://workshelf:p%40ss%20word@127.0.0.1:55432/workshelf"
    assert url == DatabaseUrl.parse(url.render())
