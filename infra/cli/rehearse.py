"""`rehearse up|down`: staging and production on the Neon emulator, in a throwaway copy (`make rehearse`)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from infra.cli import app
from infra.cli.console import ConsoleReporter, results, step
from infra.ops.followup import make_command
from infra.ops.rehearsal.run import Rehearsal, rehearse, tear_down
from infra.toolchain.paths import REPO_ROOT

rehearsal = typer.Typer(help="A rehearsal of staging and production on the Neon emulator.", no_args_is_help=True)
app.add_typer(rehearsal, name="rehearse")

DirArg = Annotated[Path, typer.Option("--dir", help="Where the rehearsal lives (default: .rehearsal in the clone).")]
DEFAULT_DIR = REPO_ROOT / ".rehearsal"


@rehearsal.command("up")
def up_command(directory: DirArg = DEFAULT_DIR) -> None:
    """Start the emulator (with its own PostgreSQL) and deploy both stacks into a throwaway backend."""
    results(next_steps(rehearse(directory.absolute(), ConsoleReporter())))


@rehearsal.command("down")
def down_command(directory: DirArg = DEFAULT_DIR) -> None:
    """Stop the emulator and its PostgreSQL and delete the rehearsal (state, copy, data)."""
    if not tear_down(directory.absolute(), ConsoleReporter()):
        step(f"no rehearsal in {directory}: nothing to remove")


def next_steps(done: Rehearsal) -> list[str]:
    """The summary and what to try next; database URLs masked (the commands show how to get them)."""
    root = shlex.quote(str(done.root))
    admin = done.api_url.removesuffix("/api/v2") + "/_emulator"
    lines = [f"Rehearsal ready: the Neon emulator at {done.api_url}, state and copy in {done.root}"]
    lines += [
        f"  {d.stack:<11} {d.plan} plan ({d.org}): project {d.project_id}, {d.database_url}" for d in done.deployed
    ]
    lines += [
        "Try next, in a shell:",
        f"  . {root}/env.sh && cd {root}/project",
        "  pulumi preview --stack staging            # no changes, and no Neon API call",
        "  pulumi stack output --stack production    # add --show-secrets to see the database URL",
        '  psql "$(pulumi stack output database_url --show-secrets --stack staging)" -c "select 1"',
        f"  curl -s {admin}/state                     # everything the emulator holds (passwords redacted)",
        f"  curl -s {admin}/requests                  # what the last commands sent, by route",
        f'  curl -s -X POST {admin}/faults -d \'{{"kind": "status", "status": 503, "count": 2}}\''
        "   # then `pulumi up --refresh --stack staging` rides it out",
        f"Remove it all: {make_command('rehearse-down', *_dir_args(done.root))}",
    ]
    return lines


def _dir_args(root: Path) -> list[str]:
    return [] if root == DEFAULT_DIR.absolute() else [f"ARGS=--dir {shlex.quote(str(root))}"]
