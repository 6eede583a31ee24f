"""Typed view of what `pulumi preview --json` prints (the engine's `PreviewDigest`).

Only what the PR comment needs is kept. Outputs are trimmed at the boundary to the keys that are
also inputs, so stack outputs and secret outputs (passwords, connection URIs) never enter the model.
Field names follow the CLI's camelCase JSON through aliases.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _none_as_empty(value: Any) -> Any:
    return [] if value is None else value


def _none_as_empty_map(value: Any) -> Any:
    return {} if value is None else value


Names = Annotated[list[str], BeforeValidator(_none_as_empty)]
Props = Annotated[dict[str, Any], BeforeValidator(_none_as_empty_map)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class ResourceState(_Wire):
    urn: str
    type: str = ""
    custom: bool = True  # False for component resources (and the stack)
    id: str | None = None
    inputs: Props = Field(default_factory=dict)
    outputs: Props = Field(default_factory=dict)
    protect: bool | None = None
    parent: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _input_keys_only(cls, data: Any) -> Any:
        # The refreshed value of an input (drift) is all we ever read from outputs.
        if isinstance(data, dict) and isinstance(data.get("outputs"), dict):
            inputs = data.get("inputs") or {}
            data = {**data, "outputs": {k: v for k, v in data["outputs"].items() if k in inputs}}
        return data

    @property
    def protected(self) -> bool:
        return bool(self.protect)


class Step(_Wire):
    op: str
    urn: str
    old_state: ResourceState | None = Field(default=None, alias="oldState")
    new_state: ResourceState | None = Field(default=None, alias="newState")
    replace_reasons: Names = Field(default_factory=list, alias="replaceReasons")
    diff_reasons: Names = Field(default_factory=list, alias="diffReasons")


class Diagnostic(_Wire):
    urn: str | None = None
    message: str = ""
    severity: str = "info"


class PreviewDigest(_Wire):
    """One stack's `pulumi preview --json` (also `pulumi refresh --preview-only --json`)."""

    config: Props = Field(default_factory=dict)
    steps: Annotated[list[Step], BeforeValidator(_none_as_empty)] = Field(default_factory=list)
    diagnostics: Annotated[list[Diagnostic], BeforeValidator(_none_as_empty)] = Field(default_factory=list)
    change_summary: Annotated[dict[str, int], BeforeValidator(_none_as_empty_map)] = Field(
        default_factory=dict, alias="changeSummary"
    )
