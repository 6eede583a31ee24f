"""The migration commands' error (`infra/errors.py` draws the tree): the lint or a migration could not
run (exit 1), or `migrate` refuses a blocking finding (exit 8)."""

from __future__ import annotations

from infra.errors import WorkshelfError


class MigrationError(WorkshelfError):
    """A bad marker, a render or squawk failure, SQL that does not parse, an unreachable database; or a
    refusal with `exit_code=ExitCode.REFUSED`."""
