"""`python -m infra`: see `infra/cli`."""

from infra.cli import app

app()
