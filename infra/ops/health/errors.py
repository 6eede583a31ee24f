"""The error `health` raises when it cannot run at all (a bad option, a stack it cannot read)."""

from __future__ import annotations

from infra.errors import WorkshelfError


class HealthError(WorkshelfError):
    """`health` could not look (the database refused the probe's connection, say); the run reports it as a
    critical check rather than raising, so this reaches the user only for problems before any check."""
