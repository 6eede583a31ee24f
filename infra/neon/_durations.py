"""Learned operation durations, kept between processes in a small JSON file.

A Pulumi dynamic provider is a new process on every `pulumi up`: without a memory, its first wait
polls blind (a geometric schedule: four polls for a 2-second operation) or lists the project's
history. The file keeps each API's per-action averages so the first poll is aimed at the expected
end. It is only an optimisation: a missing, unreadable or corrupt file means "nothing learned yet",
and a failed write is ignored. One entry per API base URL (the emulator's durations never steer
polls against Neon), the most recently used few kept.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path

_KEEP = 8


class DurationFile:
    """Per-action average durations (seconds) for one API base URL, stored in `path`."""

    def __init__(self, path: Path, base_url: str) -> None:
        self.path = path
        self.base_url = base_url

    def load(self) -> dict[str, float]:
        entry = self._read().get(self.base_url)
        actions = entry.get("actions") if isinstance(entry, dict) else None
        if not isinstance(actions, dict):
            return {}
        return {
            str(action): float(seconds)
            for action, seconds in actions.items()
            if isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0
        }

    def save(self, durations: dict[str, float], *, now: float | None = None) -> None:
        if not durations:
            return
        apis = self._read()
        stamp = time.time() if now is None else now
        apis[self.base_url] = {"updated": stamp, "actions": dict(sorted(durations.items()))}
        recent = sorted(apis.items(), key=lambda item: _updated(item[1]), reverse=True)[:_KEEP]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, delete=False, suffix=".tmp") as tmp:
                json.dump({"version": 1, "apis": dict(recent)}, tmp, indent=1)
            os.replace(tmp.name, self.path)
        except OSError:
            return  # an optimisation only

    def _read(self) -> dict[str, object]:
        try:
            document = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        apis = document.get("apis") if isinstance(document, dict) else None
        return dict(apis) if isinstance(apis, dict) else {}


def _updated(entry: object) -> float:
    value = entry.get("updated") if isinstance(entry, dict) else None
    return float(value) if isinstance(value, int | float) else 0.0
