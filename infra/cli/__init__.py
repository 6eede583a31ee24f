"""`python -m infra`: the operator CLI (onboarding, status, PR diffs, data-safety commands).

Each noun lives in its own module and registers its commands here; command bodies only parse
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


def _register() -> None:
    # Imported for their side effect of adding commands to `app`; each module is optional while
    # the CLI grows, so a missing one never breaks the others.
    import importlib

    for module in ("onboard", "prdiff", "safety"):
        try:
            importlib.import_module(f"infra.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"infra.cli.{module}":
                raise


_register()
