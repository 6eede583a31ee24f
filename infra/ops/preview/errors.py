"""The error the preview workflows raise."""

from __future__ import annotations

from infra.errors import WorkshelfError


class PreviewError(WorkshelfError):
    """A pull-request branch was refused (production: exit 8) or its arguments are wrong (exit 1)."""
