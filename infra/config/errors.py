"""The one error type bad configuration raises: it names the key, the bad value and what is allowed."""

from __future__ import annotations

from infra.errors import WorkshelfError


class ConfigError(WorkshelfError):
    """Invalid stack configuration; raised before any resource or API call."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid stack configuration:\n" + "\n".join(f"  - {p}" for p in problems))
