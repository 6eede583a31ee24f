"""`workshelf-infra` (or `python -m infra`): the operator CLI (onboarding, status, PR diffs, data-safety
and migration commands, pull-request branches, releases).

Each noun lives in its own module and registers its commands on `app`; command bodies only parse
options and delegate to `infra/ops`. Output, errors and exit codes go through `infra/cli/console.py`:
`ConsoleGroup` runs every command inside its one error handler.
"""

from __future__ import annotations

import typer

from infra.cli.console import ConsoleGroup
from infra.ops.followup import PROG

app = typer.Typer(
    name=PROG,
    cls=ConsoleGroup,
    no_args_is_help=True,
    add_completion=False,
    help="workshelf-infra: environments as code for WorkShelf's databases.",
)


# Each module adds its commands to `app` when imported.
from infra.cli import backups, health, migrations, onboard, prdiff, preview, rehearse, release, safety  # noqa: E402, F401


def main() -> None:
    """The `workshelf-infra` console script (`pyproject.toml`), which `make setup` installs into .venv."""
    app(prog_name=PROG)
