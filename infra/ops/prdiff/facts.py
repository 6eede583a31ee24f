"""A stack's settings that risk checks depend on: environment, plan and declared retention.

Read from the config the preview ran with (echoed in its JSON), else from the pull request's
`Pulumi.<stack>.yaml` (when no preview could run). Neither is validated: a setting the program would
refuse is exactly what a reviewer must see flagged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.config import ConfigError
from infra.config.keys import PROJECT
from infra.config.load import read_stack_file
from infra.ops.prdiff.mask import mask_text
from infra.ops.prdiff.model import StackFacts


def _section(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):  # the preview JSON carries object config values as JSON text
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, Mapping) else {}


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _facts(stack: str, environment: Any, neon: Mapping[str, Any], overrides: Mapping[str, Any]) -> StackFacts:
    plan = neon.get("plan")
    return StackFacts(
        stack=stack,
        environment=environment if isinstance(environment, str) else stack,
        plan=plan if isinstance(plan, str) else None,
        history_retention_seconds=_int_or_none(neon.get("historyRetentionSeconds")),
        overrides={str(k): mask_text(v) for k, v in overrides.items() if isinstance(v, str)},
    )


def stack_facts(stack: str, project_dir: Path | None, preview_config: Mapping[str, Any]) -> StackFacts:
    """Facts from the config the preview ran with, else from the stack file (no preview ran)."""
    neon = _section(preview_config.get(f"{PROJECT}:neon"))
    if neon:
        overrides = _section(preview_config.get(f"{PROJECT}:safetyOverrides"))
        return _facts(stack, preview_config.get(f"{PROJECT}:environment"), neon, overrides)
    path = project_dir / f"Pulumi.{stack}.yaml" if project_dir is not None else None
    values: dict[str, Any] = {}
    if path is not None and path.exists():
        try:
            values = read_stack_file(path)
        except ConfigError:  # a broken file: the preview reports it; the facts are unknown
            values = {}
    overrides = _section(values.get("safetyOverrides"))
    return _facts(stack, values.get("environment"), _section(values.get("neon")), overrides)
