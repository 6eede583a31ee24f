"""The Pulumi program: validate the stack's settings, declare its database, export the same outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from infra.components.outputs import DatabaseOutputs
from infra.config import PROJECT, ConfigError, DevStack, StackSettings, settings_from_mapping
from infra.config.guards import check_passphrase
from infra.config.load import sibling_values


def config_values() -> dict[str, Any]:
    """This stack's config under the project's namespace, without the prefix (objects come as JSON)."""
    prefix = f"{PROJECT}:"
    values: dict[str, Any] = {}
    for key, raw in runtime_config.CONFIG.get().items():
        if not key.startswith(prefix):
            continue
        try:
            values[key.removeprefix(prefix)] = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            values[key.removeprefix(prefix)] = raw
    return values


def settings_or_fail(project_dir: Path) -> StackSettings:
    """Every config problem at once, before any resource exists (so before any API call)."""
    stack = pulumi.get_stack()
    try:
        settings = settings_from_mapping(stack, config_values(), sibling_values(project_dir, stack))
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    problems = check_passphrase(settings.environment, os.environ)
    if problems:
        raise pulumi.RunError("\n".join(problems))
    return settings


def declare(settings: StackSettings, project_dir: Path) -> DatabaseOutputs:
    if isinstance(settings, DevStack):
        from infra.components.dev_database import DevDatabase
        from infra.devdb.engine import program_engine
        from infra.devdb.errors import DevDbError

        try:
            choice = program_engine(settings.dev, project_dir)
        except DevDbError as exc:
            raise pulumi.RunError(str(exc)) from None
        pulumi.log.info(f"dev engine: {choice.engine} ({choice.reason})")
        return DevDatabase("dev", settings.dev, choice).outputs
    from infra.components.neon_environment import NeonEnvironment

    # Production: every resource protected, so `pulumi destroy` and replacements are refused.
    return NeonEnvironment(settings.environment, settings.neon, protect=settings.is_production).outputs


def export(settings: StackSettings, outputs: DatabaseOutputs) -> None:
    pulumi.export("environment", settings.environment)
    pulumi.export("database_url", pulumi.Output.secret(outputs.database_url))
    pulumi.export("host", outputs.host)
    pulumi.export("database", outputs.database)
    pulumi.export("role", outputs.role)
    if outputs.neon_project_id is not None:
        pulumi.export("neon_project_id", outputs.neon_project_id)
        pulumi.export("neon_branch_id", outputs.neon_branch_id)


def main(project_dir: Path) -> None:
    settings = settings_or_fail(project_dir)
    export(settings, declare(settings, project_dir))
