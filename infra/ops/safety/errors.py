"""The one error the data-safety workflows raise: a refusal or failure, said plainly, never a secret."""

from __future__ import annotations


class SafetyError(RuntimeError):
    """A refusal (a limit, a window, a missing setting) or a failed step; `hint` says what to do next."""

    def __init__(self, message: str, *, hint: str = "", exit_code: int = 1) -> None:
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message
