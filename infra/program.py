"""The Pulumi program: validate the stack's settings, declare its database, export the same outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi

from infra.components.outputs import DatabaseOutputs
from infra.config import ConfigError, StackSettings, load_settings
from infra.config.guards import check_passphrase


def settings_or_fail(project_dir: Path) -> StackSettings:
    """Every config problem at once, before any resource exists (so before any API call)."""
    try:
        settings = load_settings(project_dir)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    problems = check_passphrase(settings.environment, os.environ)
    if problems:
        raise pulumi.RunError("\n".join(problems))
    return settings


def declare(settings: StackSettings, project_dir: Path) -> DatabaseOutputs:
    if settings.neon is not None:
        from infra.components.neon_database import NeonDatabase

        # Production: every resource protected, so `pulumi destroy` and replacements are refused.
        return NeonDatabase(settings.environment, settings.neon, protect=settings.is_production).outputs
    from infra.components.dev_database import DevDatabase
    from infra.devdb.engine import resolve_engine

    if settings.dev is None:  # unreachable: the settings guards require `dev` on the dev stack
        raise pulumi.RunError("workshelf-infra:dev: required for the dev stack")
    from infra.devenv import DevEnvError

    try:
        choice = resolve_engine(settings.dev, project_dir)
    except (DevEnvError, ValueError) as exc:
        raise pulumi.RunError(str(exc)) from None
    pulumi.log.info(f"dev engine: {choice.engine} ({choice.reason})")
    return DevDatabase("dev", settings.dev, choice).outputs


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
