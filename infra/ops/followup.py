"""Commands we print for someone to run next (a restore, a reset, `make onboard`), written to run as printed.

Such a command is often pasted into another terminal during an incident: no virtualenv activated, some
other directory, arguments with spaces or quotes. So every printed follow-up comes from here and is:

- absolute: the `workshelf-infra` console script that `make setup` installs in this clone's `.venv`
  (`pyproject.toml`), `make -C <clone>` for a make target, `<clone>/.venv/bin/pulumi --cwd <clone>` for
  Pulumi; never `python -m infra`, which needs the virtualenv's Python and the clone as the working
  directory;
- shell-quoted: each argument with `shlex.quote`, environment variables as `NAME=value` prefixes.

Where the console script is missing or belongs to another clone (a copy of the project sharing a
virtualenv), the command falls back to `cd <clone> && <this Python> -m infra`, which also runs as printed.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path

from infra.toolchain.paths import REPO_ROOT

PROG = "workshelf-infra"  # the console script's name ([project.scripts] in pyproject.toml)

__all__ = ["PROG", "cli_command", "make_command", "pulumi_command"]


def _env_prefix(env: Mapping[str, str] | None) -> str:
    return "".join(f"{name}={shlex.quote(value)} " for name, value in (env or {}).items())


def _installed_here(repo: Path) -> bool:
    """Whether this interpreter's `workshelf-infra` distribution is the editable install of `repo`."""
    try:
        direct = metadata.distribution(PROG).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return False
    try:
        url = json.loads(direct or "{}").get("url")
    except json.JSONDecodeError:
        return False
    return isinstance(url, str) and url == repo.resolve().as_uri()


@cache
def _launcher(repo: Path) -> str:
    script = repo / ".venv" / "bin" / PROG
    if script.is_file() and _installed_here(repo):
        return shlex.quote(str(script))
    return f"cd {shlex.quote(str(repo))} && {shlex.quote(sys.executable)} -m infra"


def cli_command(*args: str, env: Mapping[str, str] | None = None, repo: Path = REPO_ROOT) -> str:
    """`/clone/.venv/bin/workshelf-infra restore --stack production ... --yes`, quoted for a POSIX shell."""
    return _env_prefix(env) + " ".join([_launcher(repo), *map(shlex.quote, args)])


def make_command(target: str, *args: str, env: Mapping[str, str] | None = None, repo: Path = REPO_ROOT) -> str:
    """`NAME=value make -C /clone target ...`: a make target from any directory."""
    return _env_prefix(env) + shlex.join(["make", "-C", str(repo), target, *args])


def pulumi_command(*args: str, repo: Path = REPO_ROOT) -> str:
    """`/clone/.venv/bin/pulumi --cwd /clone up --stack staging`: the CLI `make setup` installed, for this project."""
    wrapper = repo / ".venv" / "bin" / "pulumi"
    binary = str(wrapper) if wrapper.exists() else "pulumi"
    return shlex.join([binary, "--cwd", str(repo), *args])
