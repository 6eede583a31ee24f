"""The error raised when work on a deployed Neon stack is refused or fails."""

from __future__ import annotations

from infra.errors import WorkshelfError


class NeonStackError(WorkshelfError):
    """A refusal or failure on a deployed Neon stack: not a Neon stack, no outputs, a branch Neon refused
    (a limit, a name taken), a point outside the history window; `hint` says what to do next."""
