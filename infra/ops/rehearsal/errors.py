"""RehearsalError: `make rehearse` or `make rehearse-down` cannot go on; the message says what and where."""

from __future__ import annotations

from infra.errors import WorkshelfError


class RehearsalError(WorkshelfError):
    """A rehearsal could not be set up or removed (a missing prerequisite, a service that did not start)."""
