"""Load and validate stack settings: one loader for the CLI and the Pulumi program, all problems at once.

The settings always come from the committed `Pulumi.<stack>.yaml`, read strictly (`yamlfile.py`:
YAML 1.2 types, duplicate keys refused, problems named with their line) and validated by alias, so a
stack file gets the same verdict wherever it is checked: `workshelf-infra` commands, `pr-diff`, tests,
and the program (`infra/program.py`), which also refuses to run when Pulumi's view of the config
differs from the file. Nothing here imports Pulumi.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, overload

from pydantic import BaseModel, TypeAdapter, ValidationError

from infra.config.errors import ConfigError
from infra.config.guards import check_guards, section_rules
from infra.config.keys import PROJECT, key_name, suggestion
from infra.config.models import (
    ENVIRONMENTS,
    DevSettings,
    DevStack,
    MigrationSettings,
    NeonProjectSettings,
    ReleaseSettings,
    SafetyOverrides,
    StackSettings,
)
from infra.config.monitoring import MonitoringSettings
from infra.config.yamlfile import read_yaml

SECTIONS: dict[str, type[BaseModel] | None] = {
    "environment": None,
    "dev": DevSettings,
    "neon": NeonProjectSettings,
    "migrations": MigrationSettings,
    "release": ReleaseSettings,
    "monitoring": MonitoringSettings,
    "safetyOverrides": SafetyOverrides,
}
_STACK_SETTINGS: TypeAdapter[StackSettings] = TypeAdapter(StackSettings)
_TYPES = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "finite_number": "must be a finite number, not infinity or NaN",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a section of keys",
    "model_type": "must be a section of keys",
    "model_attributes_type": "must be a section of keys",
}


def shown(value: Any) -> str:
    """A value as the stack file wrote it, for messages (never raises)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str) and len(value) > 60:
        return f"{json.dumps(value[:40])}… ({len(value)} characters)"
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _model_at(path: tuple[str, ...]) -> type[BaseModel] | None:
    """The settings model a key path leads to (`("neon", "autoscaling")` -> Autoscaling)."""
    model = SECTIONS.get(path[0]) if path else None
    for part in path[1:]:
        field = next((f for n, f in (model.model_fields.items() if model else []) if (f.alias or n) == part), None)
        annotation = field.annotation if field else None
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model


def _location(error: Any) -> tuple[str, ...]:
    # A tagged union puts the tag first in the location: ("staging", "neon", "plan").
    loc = tuple(str(part) for part in error["loc"])[1:]
    return ({"overrides": "safetyOverrides"}.get(loc[0], loc[0]), *loc[1:]) if loc else loc


def _describe(errors: list[Any]) -> list[str]:
    """One line per problem; a misspelt key's line says what it should be, so its `required` line goes."""
    lines, meant = [], set()
    for error in errors:
        loc = _location(error)
        if error["type"] == "extra_forbidden":
            model = _model_at(loc[:-1])
            allowed = [f.alias or n for n, f in model.model_fields.items()] if model else []
            hint = suggestion(loc[-1], allowed)
            meant |= {(*loc[:-1], name) for name in allowed if f"`{name}`" in hint}
            lines.append((loc, f"{key_name(*loc)}: unknown key; {hint}"))
        elif error["type"] == "missing":
            lines.append((loc, f"{key_name(*loc)}: required but not set"))
        else:
            message = _TYPES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
            value = error.get("input")
            got = "" if isinstance(value, str) and value and value in message else f" (got {shown(value)})"
            lines.append((loc, f"{key_name(*loc) if loc else PROJECT}: {message}{got}"))
    return [line for loc, line in lines if not (line.endswith("required but not set") and loc in meant)]


def _top_level_problems(values: Mapping[str, Any]) -> list[str]:
    return [f"{key_name(k)}: unknown key; {suggestion(k, SECTIONS)}" for k in values if k not in SECTIONS]


def settings_from_mapping(
    stack: str, values: Mapping[str, Any], siblings: Mapping[str, Mapping[str, Any]] | None = None
) -> StackSettings:
    """Validate one stack's config values (keys without the project prefix).

    `siblings` are the other stacks' config values, for the cross-stack guards (staging and
    production must never point at the same Neon project).
    """
    problems = _top_level_problems(values)
    environment = values.get("environment")
    if environment not in ENVIRONMENTS:
        allowed = ", ".join(ENVIRONMENTS)
        problems.append(f"{key_name('environment')}: must be one of {allowed} (got {shown(environment)})")
        raise ConfigError(problems)
    problems += section_rules(environment, values)
    own = "dev" if environment == "dev" else "neon"
    if not isinstance(values.get(own), Mapping):
        raise ConfigError(problems or [f"{key_name(own)}: must be a section of keys (got {shown(values.get(own))})"])
    # Validate only the section this environment may have: a dev stack with a `neon` block gets one
    # clear message ("dev never declares Neon"), not a list of missing Neon fields.
    document = {"stack": stack, "environment": environment, own: values.get(own)}
    document["migrations"] = values.get("migrations") or {}
    if own == "neon":
        document["release"] = values.get("release") or {}
    if own == "neon" and values.get("monitoring") is not None:
        document["monitoring"] = values["monitoring"]
    document["overrides"] = values.get("safetyOverrides") or {}
    try:
        settings = _STACK_SETTINGS.validate_python(document, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise ConfigError(problems + _describe(exc.errors())) from None
    problems += check_guards(settings, siblings or {})
    if problems:
        raise ConfigError(problems)
    return settings


def _foreign_key(key: str) -> str:
    namespace, colon, name = key.partition(":")
    head = name.split(".")[0] if colon else namespace
    if not colon:
        return f"`{key}`: a key without its namespace; write `{key_name(key)}`"
    right = key_name(head) if head in SECTIONS else key_name(namespace) if namespace in SECTIONS else ""
    hint = f"did you mean `{right}`?" if right else f"this project's keys are `{PROJECT}:<key>`"
    return f"`{key}`: not a key of this project ({hint})"


def read_stack_file(path: Path) -> dict[str, Any]:
    """The project's config values in a `Pulumi.<stack>.yaml`, without the `workshelf-infra:` prefix.

    Keys outside the project's namespace are errors (Pulumi's own `pulumi:` settings excepted): a
    `workshelf:neon` or `neon:plan` would otherwise be ignored without a word.
    """
    document = read_yaml(path)
    if document is None:
        document = {}
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        where = "the file" if not isinstance(document, dict) else "its `config:`"
        shape = type(document.get("config") if isinstance(document, dict) else document).__name__
        raise ConfigError([f"{path.name}: {where} must be a mapping of keys (got a {shape})"])
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in (document.get("config") or {}).items():
        namespace, colon, name = key.partition(":")
        if namespace == PROJECT and colon and "." in name:
            section, _, rest = name.partition(".")
            problems.append(f"`{key}`: nested keys go inside their section: `{key_name(section)}:` then `{rest}:`")
        elif namespace == PROJECT and colon:
            values[name] = value
        elif not (namespace == "pulumi" and colon):
            problems.append(f"{path.name}: {_foreign_key(key)}")
    if problems:
        raise ConfigError(problems)
    return values


def sibling_values(project_dir: Path, stack: str) -> dict[str, dict[str, Any]]:
    """The other stack files' values; a broken one is reported, named with its line, like this stack's own."""
    siblings: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for other in ENVIRONMENTS:
        path = project_dir / f"Pulumi.{other}.yaml"
        if other == stack or not path.exists():
            continue
        try:
            siblings[other] = read_stack_file(path)
        except ConfigError as exc:
            problems += [f"{p} (another stack's file: every stack file must be valid)" for p in exc.problems]
    if problems:
        raise ConfigError(problems)
    return siblings


@overload
def settings_from_stack_file(project_dir: Path, stack: Literal["dev"]) -> DevStack: ...
@overload
def settings_from_stack_file(project_dir: Path, stack: str) -> StackSettings: ...
def settings_from_stack_file(project_dir: Path, stack: str) -> StackSettings:
    """The committed stack file's settings; the `dev` file always gives a DevStack, since a stack's
    `environment` must equal its name (the guards refuse a mismatch)."""
    name = f"Pulumi.{stack}.yaml"
    path = project_dir / name
    if "/" in stack or not path.exists():
        raise ConfigError([f"{name} not found: every stack's settings live in a committed stack file"])
    return settings_from_mapping(stack, read_stack_file(path), sibling_values(project_dir, stack))
