"""Aligned key/value tables for the developer: onboarding's summary and the dev database's status."""

from __future__ import annotations

from collections.abc import Sequence

from infra.devdb.envfile import EnvFileUpdate
from infra.ops.dev.onboard import OnboardResult
from infra.ops.followup import cli_command, make_command

__all__ = ["COMMANDS", "env_file_line", "format_table", "onboard_rows"]

# How to stop, reset and remove the dev database: make targets and their CLI equivalents.
COMMANDS = (
    ("stop", "dev-down", ("dev", "down"), "data is kept; `make onboard` starts it again"),
    ("reset", "dev-reset", ("dev", "reset"), "deletes the data and recreates the database"),
    ("remove", "dev-destroy", ("dev", "destroy"), "deletes the database and its data"),
)


def format_table(rows: Sequence[tuple[str, str]], *, indent: int = 2) -> str:
    """Keys padded to one width; a multi-line value's later lines line up under its first."""
    width = max((len(key) for key, _ in rows), default=0)
    pad = " " * (indent + width + 2)
    lines: list[str] = []
    for key, value in rows:
        first, *rest = value.splitlines() or [""]
        lines.append(f"{' ' * indent}{key.ljust(width)}  {first}".rstrip())
        lines.extend(f"{pad}{line}" for line in rest)
    return "\n".join(lines)


def onboard_rows(result: OnboardResult) -> list[tuple[str, str]]:
    project = result.project_dir
    commands = [(name, make_command(make, repo=project), cli_command(*cli)) for name, make, cli, _ in COMMANDS]
    command_width = max(len(make) for _, make, _ in commands)
    rows = [
        ("environment", "dev (your own local database; staging and production are never touched)"),
        ("engine", f"{result.choice.engine}: {result.choice.reason}"),
        ("data", result.location),
        ("DATABASE_URL", result.url.masked()),
        ("server", f"PostgreSQL {result.server_version}" if result.server_version else "ready"),
        (".env", env_file_line(result.env)),
        ("pulumi", _pulumi_line(result)),
        ("psql", result.psql),
    ]
    rows += [(name, f"{make.ljust(command_width)}  or  {cli}") for name, make, cli in commands]
    rows += [(f"warning {i}", warning) for i, warning in enumerate(result.warnings, 1)]
    rows.append(("took", f"{result.elapsed_s:.1f}s"))
    return rows


def env_file_line(update: EnvFileUpdate) -> str:
    name = update.path.name
    if update.created:
        return f"{name} created with DATABASE_URL (mode 0600)"
    tightened = "; mode tightened to 0600" if update.mode_tightened else ""
    if update.added:
        return f"DATABASE_URL added to {name}; every other line kept{tightened}"
    if update.updated:
        return f"DATABASE_URL updated in place in {name}; every other line kept{tightened}"
    return f"{name} unchanged{tightened}"


def _pulumi_line(result: OnboardResult) -> str:
    line = ("dev stack created; " if result.stack_created else "") + result.update.describe_changes()
    return line + ("; the stopped server was started again" if result.restarted else "")
