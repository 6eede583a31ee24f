"""NeonSettings and NeonClient.from_env: configuration from the environment."""

from __future__ import annotations

import httpx
import pytest

from infra.neon import NeonClient, NeonSettings, errors
from infra.neon.settings import DEFAULT_BASE_URL


def test_from_env__reads_key_url_and_org() -> None:
    env = {"NEON_API_KEY": "k-123", "NEON_API_URL": "http://127.0.0.1:9/api/v2/", "NEON_ORG_ID": "org-x"}
    settings = NeonSettings.from_env(env)
    assert settings.api_key.get_secret_value() == "k-123"
    assert settings.base_url == "http://127.0.0.1:9/api/v2"
    assert settings.org_id == "org-x"


def test_from_env__defaults_url_and_no_org() -> None:
    settings = NeonSettings.from_env({"NEON_API_KEY": "k-123", "NEON_ORG_ID": "  "})
    assert settings.base_url == DEFAULT_BASE_URL == "https://console.neon.tech/api/v2"
    assert settings.org_id is None


@pytest.mark.parametrize("value", [None, "", "   "])
def test_from_env__missing_key_names_the_variable(value: str | None) -> None:
    env = {} if value is None else {"NEON_API_KEY": value}
    with pytest.raises(errors.NeonConfigError, match=r"^NEON_API_KEY is not set"):
        NeonSettings.from_env(env)


def test_client_from_env__missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEON_API_KEY", raising=False)
    with pytest.raises(errors.NeonConfigError, match="NEON_API_KEY"):
        NeonClient.from_env()


def test_client_from_env__builds_a_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEON_API_KEY", "secret-key-value")
    monkeypatch.setenv("NEON_API_URL", "http://127.0.0.1:1/api/v2")
    monkeypatch.delenv("NEON_ORG_ID", raising=False)
    with NeonClient.from_env() as client:
        assert client.settings.base_url == "http://127.0.0.1:1/api/v2"
        assert "secret-key-value" not in repr(client)
        assert "secret-key-value" not in repr(client.settings)


def test_build__invalid_url_is_a_config_error_without_the_key() -> None:
    with pytest.raises(errors.NeonConfigError, match="base_url") as exc:
        NeonSettings.build(api_key="very-secret", base_url="ftp://x", org_id=None)
    assert "very-secret" not in str(exc.value)


def test_client__rejects_an_empty_key() -> None:
    with pytest.raises(errors.NeonConfigError, match="api_key"):
        NeonClient("  ")


def test_client_from_env__accepts_client_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEON_API_KEY", "k")
    monkeypatch.setenv("NEON_ORG_ID", "org-1")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"projects": [], "pagination": {}})

    with NeonClient.from_env(transport=httpx.MockTransport(handler)) as client:
        assert list(client.list_projects()) == []
    assert seen[0].url.params["org_id"] == "org-1"
    assert str(seen[0].url).startswith("https://console.neon.tech/api/v2/projects?")
