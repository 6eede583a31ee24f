"""The migration commands' error: one clear message, a hint, and the exit code the CLI ends with."""

from __future__ import annotations

COULD_NOT_RUN = 1


class MigrationError(RuntimeError):
    """The lint or the round trip could not run (bad marker, render failure, squawk failure): exit 1."""

    def __init__(self, message: str, *, hint: str = "", exit_code: int = COULD_NOT_RUN) -> None:
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message
