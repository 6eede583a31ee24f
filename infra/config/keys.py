"""The project's config namespace, and the full names of its keys as a stack file writes them.

`Pulumi.yaml` names the project `workshelf-infra`; every setting in a stack file is a key under it
(`workshelf-infra:neon.historyRetentionSeconds`). Messages name keys in full, so they come from here.
"""

from __future__ import annotations

from typing import Final

PROJECT: Final = "workshelf-infra"


def key_name(*path: str | int) -> str:
    """`("neon", "historyRetentionSeconds")` -> `workshelf-infra:neon.historyRetentionSeconds`."""
    head, *rest = [str(part) for part in path]
    return f"{PROJECT}:{head}" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in rest)
