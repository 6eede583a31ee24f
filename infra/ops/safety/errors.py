"""The one error the data-safety workflows raise: a refusal or failure, said plainly, never a secret."""

from __future__ import annotations

from infra.errors import WorkshelfError


class SafetyError(WorkshelfError):
    """A refusal (a limit, a window, a missing setting) or a failed step; `hint` says what to do next."""
