"""Load and validate stack settings from a mapping of config values (or a stack file), all errors at once.

The loader works on a plain mapping of the project's config keys, so the same code validates the
running program's config (`infra/program.py` reads it from Pulumi) and the committed
`Pulumi.<stack>.yaml` files (the CLI, tests, `pr-diff`). Nothing here imports Pulumi.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, overload

import yaml
from pydantic import TypeAdapter, ValidationError

from infra.config.errors import ConfigError
from infra.config.guards import check_guards, section_rules
from infra.config.keys import PROJECT, key_name
from infra.config.models import ENVIRONMENTS, DevStack, StackSettings

_SECTIONS = {"environment", "dev", "neon", "migrations", "safetyOverrides"}
_STACK_SETTINGS: TypeAdapter[StackSettings] = TypeAdapter(StackSettings)


def _describe(error: Any) -> str:
    # A tagged union puts the tag first in the location: ("staging", "neon", "plan").
    loc = tuple(error["loc"])[1:]
    section = {"overrides": "safetyOverrides"}.get(str(loc[0]), str(loc[0])) if loc else ""
    key = key_name(section, *loc[1:]) if loc else PROJECT
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (a typo?); remove it or check the README's list of keys"
    if error["type"] == "missing":
        return f"{key}: required but not set"
    value = error.get("input")
    shown = f" (got {json.dumps(value)})" if isinstance(value, str | int | float | bool) else ""
    return f"{key}: {message}{shown}"


def settings_from_mapping(
    stack: str, values: Mapping[str, Any], siblings: Mapping[str, Mapping[str, Any]] | None = None
) -> StackSettings:
    """Validate one stack's config values (keys without the project prefix).

    `siblings` are the other stacks' config values, for the cross-stack guards (staging and
    production must never point at the same Neon project).
    """
    problems = [
        f"{PROJECT}:{k}: unknown key; allowed: {', '.join(sorted(_SECTIONS))}" for k in values if k not in _SECTIONS
    ]
    environment = values.get("environment")
    if environment not in ENVIRONMENTS:
        problems.append(
            f"{key_name('environment')}: must be one of {', '.join(ENVIRONMENTS)} (got {json.dumps(environment)})"
        )
        raise ConfigError(problems)
    problems += section_rules(environment, values)
    # Validate only the section this environment may have: a dev stack with a `neon` block gets one
    # clear message ("dev never declares Neon"), not a list of missing Neon fields.
    own = "dev" if environment == "dev" else "neon"
    try:
        settings = _STACK_SETTINGS.validate_python(
            {
                "stack": stack,
                "environment": environment,
                own: values.get(own),
                "migrations": values.get("migrations") or {},
                "overrides": values.get("safetyOverrides") or {},
            }
        )
    except ValidationError as exc:
        raise ConfigError(problems + [_describe(e) for e in exc.errors()]) from None
    problems += check_guards(settings, siblings or {})
    if problems:
        raise ConfigError(problems)
    return settings


def read_stack_file(path: Path) -> dict[str, Any]:
    """The project's config values in a `Pulumi.<stack>.yaml`, without the `workshelf-infra:` prefix."""
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    prefix = f"{PROJECT}:"
    return {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)}


def sibling_values(project_dir: Path, stack: str) -> dict[str, dict[str, Any]]:
    return {
        other: read_stack_file(project_dir / f"Pulumi.{other}.yaml")
        for other in ENVIRONMENTS
        if other != stack and (project_dir / f"Pulumi.{other}.yaml").exists()
    }


@overload
def settings_from_stack_file(project_dir: Path, stack: Literal["dev"]) -> DevStack: ...
@overload
def settings_from_stack_file(project_dir: Path, stack: str) -> StackSettings: ...
def settings_from_stack_file(project_dir: Path, stack: str) -> StackSettings:
    """The committed stack file's settings; the `dev` file always gives a DevStack, since a stack's
    `environment` must equal its name (the guards refuse a mismatch)."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise ConfigError([f"{path.name} not found: every stack's settings live in a committed stack file"])
    return settings_from_mapping(stack, read_stack_file(path), sibling_values(project_dir, stack))
