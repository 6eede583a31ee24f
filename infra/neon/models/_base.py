"""Base classes: responses ignore unknown fields; requests send only what the caller set."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


def _drop_nones(data: object, keep: frozenset[str]) -> object:
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if value is not None or key in keep}
    return data


class ResponseModel(BaseModel):
    """A shape Neon returns. New server fields are ignored, so API additions never break parsing."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class RequestModel(BaseModel):
    """A request body. `to_body()` sends only the fields the caller set.

    Unset fields are left out (`exclude_unset`), so an update never echoes server-computed values.
    A field explicitly set to None is left out too, except the fields in `_nullable`, for which the
    API gives null a meaning (e.g. branch `expires_at: null` removes the expiry).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    _nullable: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler) -> object:
        return _drop_nones(handler(self), self._nullable)

    def to_body(self) -> dict[str, object]:
        """The JSON-ready dict of the fields the caller set."""
        return self.model_dump(mode="json", exclude_unset=True)


class SettingsModel(RequestModel):
    """A settings block Neon both returns and accepts: tolerant on input, minimal on output."""

    model_config = ConfigDict(extra="ignore", frozen=True)
