"""The error the release workflow raises."""

from __future__ import annotations

from infra.errors import WorkshelfError


class ReleaseError(WorkshelfError):
    """A release refused by a safety rule (exit 8: staging first, the window), its checks failed (exit 9),
    or bad arguments (exit 1); `hint` says what to do, e.g. the exact restore command."""
