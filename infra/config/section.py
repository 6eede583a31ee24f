"""The base of every stack-file section model: camelCase keys, unknown keys refused, strict types, frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Section(BaseModel):
    # Unknown keys are errors: a typo such as `historyRetentionSecond` must not be silently ignored.
    # Strict types: a stack file's `yes`, `"5"` or `4.0` is not silently turned into a bool or an int,
    # and infinities or NaN are refused. Stack files are validated by alias only (`load.py`), so a
    # snake_case key is an unknown key there; Python code may still build these by field name.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, strict=True, allow_inf_nan=False
    )
