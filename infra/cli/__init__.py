"""`python -m infra`: the operator CLI (onboarding, status, PR diffs, data-safety commands).

Each noun lives in its own module and registers its commands on `app`; command bodies only parse
options and delegate to `infra/ops`.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="python -m infra",
    no_args_is_help=True,
    add_completion=False,
    help="workshelf-infra: environments as code for WorkShelf's databases.",
)


# Each module adds its commands to `app` when imported.
from infra.cli import onboard, prdiff, safety  # noqa: E402, F401
