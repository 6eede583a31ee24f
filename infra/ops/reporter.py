"""The one way a workflow reports progress: `infra/cli/console.py` prints it; tests record it.

Progress is for the person watching (stderr in the CLI), never the result: results are return values.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class Reporter(Protocol):
    def step(self, message: str) -> None:
        """A step starts (`==> ...`)."""

    def note(self, message: str) -> None:
        """A detail, a check's outcome or a warning."""

    def output(self, line: str) -> None:
        """One line of a child command's output, already masked by the workflow."""

    def working(self, message: str) -> AbstractContextManager[None]:
        """Around a long wait (a spinner in a terminal)."""
