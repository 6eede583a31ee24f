"""The outputs every stack exports, whatever its engine: the program's contract with its users."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class DatabaseOutputs:
    """`database_url` is always a secret Output; the others are safe to print."""

    database_url: pulumi.Output[str]
    host: pulumi.Output[str]
    database: pulumi.Output[str]
    role: pulumi.Output[str]
    neon_project_id: pulumi.Output[str] | None = None
    neon_branch_id: pulumi.Output[str] | None = None
