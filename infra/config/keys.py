"""The project's config namespace, and the full names of its keys as a stack file writes them.

`Pulumi.yaml` names the project `workshelf-infra`; every setting in a stack file is a key under it
(`workshelf-infra:neon.historyRetentionSeconds`). Messages name keys in full, so they come from here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Final

from pydantic.alias_generators import to_camel

PROJECT: Final = "workshelf-infra"


def key_name(*path: str | int) -> str:
    """`("neon", "historyRetentionSeconds")` -> `workshelf-infra:neon.historyRetentionSeconds`."""
    head, *rest = [str(part) for part in path]
    return f"{PROJECT}:{head}" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in rest)


def suggestion(name: str, allowed: Iterable[str]) -> str:
    """`did you mean `historyRetentionSeconds`?` for a snake_case spelling or a near miss, else the list."""
    names = sorted(allowed)
    camel = to_camel(name)
    if camel != name and camel in names:
        return f"did you mean `{camel}`? (keys are camelCase)"
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"allowed: {', '.join(names)}"
