"""Connection settings for the Neon API, read from the environment or passed explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator

from infra.neon.errors import NeonConfigError

DEFAULT_BASE_URL = "https://console.neon.tech/api/v2"
ENV_API_KEY = "NEON_API_KEY"
ENV_API_URL = "NEON_API_URL"
ENV_ORG_ID = "NEON_ORG_ID"


class NeonSettings(BaseModel):
    """Where and as whom the client talks to Neon. The key is a SecretStr so reprs mask it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr
    base_url: str = DEFAULT_BASE_URL
    org_id: str | None = None

    @field_validator("api_key")
    @classmethod
    def _key_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("the API key is empty")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("the base URL must start with https:// or http://")
        return value.rstrip("/")

    @field_validator("org_id")
    @classmethod
    def _blank_org_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @classmethod
    def build(cls, *, api_key: str | SecretStr, base_url: str, org_id: str | None) -> NeonSettings:
        """Validate explicit settings, raising NeonConfigError (without the key) when invalid."""
        try:
            return cls(api_key=api_key, base_url=base_url, org_id=org_id)
        except ValidationError as exc:
            found = exc.errors(include_input=False, include_url=False)
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in found)
            raise NeonConfigError(f"invalid Neon settings: {problems}") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NeonSettings:
        """Read NEON_API_KEY (required), NEON_API_URL and NEON_ORG_ID (optional)."""
        env = os.environ if environ is None else environ
        api_key = env.get(ENV_API_KEY, "").strip()
        if not api_key:
            raise NeonConfigError(
                f"{ENV_API_KEY} is not set: export a Neon API key "
                "(Neon Console > Account settings > API keys) to manage Neon resources"
            )
        base_url = env.get(ENV_API_URL, "").strip() or DEFAULT_BASE_URL
        return cls.build(api_key=api_key, base_url=base_url, org_id=env.get(ENV_ORG_ID))
