"""Load and validate stack settings from Pulumi config (or a stack file), all errors at once.

The loader works on a plain mapping of the project's config keys, so the same code validates the
running program's config and the committed `Pulumi.<stack>.yaml` files (tests, `pr-diff`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from infra.config.errors import ConfigError
from infra.config.guards import check_guards, section_rules
from infra.config.models import StackSettings

PROJECT = "workshelf-infra"
_SECTIONS = {"environment", "dev", "neon", "safetyOverrides"}
_ENVIRONMENTS = ("dev", "staging", "production")


def key_name(loc: tuple[str | int, ...]) -> str:
    """`("neon", "historyRetentionSeconds")` -> `workshelf-infra:neon.historyRetentionSeconds`."""
    head, *rest = [str(part) for part in loc]
    return f"{PROJECT}:{head}" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in rest)


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    section = {"overrides": "safetyOverrides"}.get(str(loc[0]), str(loc[0])) if loc else ""
    key = key_name((section, *loc[1:])) if loc else PROJECT
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
    if environment not in _ENVIRONMENTS:
        problems.append(
            f"{PROJECT}:environment: must be one of {', '.join(_ENVIRONMENTS)} (got {json.dumps(environment)})"
        )
        raise ConfigError(problems)
    problems += section_rules(environment, values)
    # Validate only the sections this environment may have: a dev stack with a `neon` block gets one
    # clear message ("dev never declares Neon"), not a list of missing Neon fields.
    own = "dev" if environment == "dev" else "neon"
    try:
        settings = StackSettings(
            stack=stack,
            environment=environment,
            dev=values.get("dev") if own == "dev" else None,
            neon=values.get("neon") if own == "neon" else None,
            overrides=values.get("safetyOverrides") or {},
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
        for other in _ENVIRONMENTS
        if other != stack and (project_dir / f"Pulumi.{other}.yaml").exists()
    }


def settings_from_stack_file(project_dir: Path, stack: str) -> StackSettings:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise ConfigError([f"{path.name} not found: every stack's settings live in a committed stack file"])
    return settings_from_mapping(stack, read_stack_file(path), sibling_values(project_dir, stack))


def load_settings(project_dir: Path) -> StackSettings:
    """The running Pulumi program's settings (import pulumi lazily: the CLI uses the file loader)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    prefix = f"{PROJECT}:"
    values: dict[str, Any] = {}
    for key, raw in runtime_config.CONFIG.get().items():
        if not key.startswith(prefix):
            continue
        try:
            values[key.removeprefix(prefix)] = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            values[key.removeprefix(prefix)] = raw
    return settings_from_mapping(pulumi.get_stack(), values, sibling_values(project_dir, pulumi.get_stack()))
