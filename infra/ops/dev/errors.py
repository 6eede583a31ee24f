"""The error the dev-database workflows raise when they cannot go on."""

from __future__ import annotations

from infra.errors import WorkshelfError


class DevOpsError(WorkshelfError):
    """A dev-database command cannot go on; the message says why and what to do (no secrets)."""
