"""The Pulumi program: validate the stack's settings, declare its database, export the same outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from infra.components.outputs import DatabaseOutputs
from infra.config import PROJECT, ConfigError, DevStack, StackSettings, key_name, settings_from_stack_file
from infra.config.guards import check_passphrase
from infra.config.load import read_stack_file, shown


def config_values() -> dict[str, Any]:
    """This stack's config under the project's namespace, as Pulumi passes it (objects come as JSON)."""
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


def _differences(theirs: Any, ours: Any, path: tuple[str, ...]) -> list[str]:
    if isinstance(theirs, dict) and isinstance(ours, dict):
        keys = sorted(set(theirs) | set(ours))
        return [d for k in keys for d in _differences(theirs.get(k), ours.get(k), (*path, str(k)))]
    if theirs == ours:
        return []
    return [f"{key_name(*path)}: Pulumi passes {shown(theirs)}, the stack file says {shown(ours)}"]


def config_drift(stack: str, pulumi_values: dict[str, Any], file_values: dict[str, Any]) -> list[str]:
    """Where Pulumi's view of the config (e.g. `--config`, an ESC environment) differs from the stack file."""
    found = [d for key in sorted(set(pulumi_values) | set(file_values))
             for d in _differences(pulumi_values.get(key), file_values.get(key), (key,))]  # fmt: skip
    if found:
        found.append(f"the settings come from Pulumi.{stack}.yaml only: change them there, reviewed like any change")
    return found


def settings_or_fail(project_dir: Path) -> StackSettings:
    """Every config problem at once, before any resource exists (so before any API call).

    The settings are read from the committed stack file by the same strict loader the CLI uses, so
    both give the same verdict on a file; then Pulumi's own view of the config must agree with it.
    """
    stack = pulumi.get_stack()
    try:
        settings = settings_from_stack_file(project_dir, stack)
        problems = config_drift(stack, config_values(), read_stack_file(project_dir / f"Pulumi.{stack}.yaml"))
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    problems += check_passphrase(settings.environment, os.environ)
    if problems:
        raise pulumi.RunError(str(ConfigError(problems)))
    return settings


def declare(settings: StackSettings, project_dir: Path) -> DatabaseOutputs:
    if isinstance(settings, DevStack):
        from infra.components.dev_database import DevDatabase
        from infra.devdb.engine import program_engine
        from infra.devdb.errors import DevDbError
        from infra.devdb.overrides import dev_settings

        try:
            dev = dev_settings(settings.dev, project_dir)  # WORKSHELF_DEV_PORT, ... (README)
            choice = program_engine(dev, project_dir)
        except DevDbError as exc:
            raise pulumi.RunError(str(exc)) from None
        pulumi.log.info(f"dev engine: {choice.engine} ({choice.reason})")
        return DevDatabase("dev", dev, choice).outputs
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
