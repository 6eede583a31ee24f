"""The request log: one typed entry per API request (admin calls excluded), with per-route counts."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    route: str | None
    status: int | None  # None when the connection was dropped before anything was answered
    request_id: str
    fault: str | None = None
    at: float | None = None  # the emulator's clock when the request arrived (benchmarks time polls by it)

    @property
    def key(self) -> str:
        """`METHOD /route/{template}`, or the raw path when no route matched."""
        return f"{self.method} {self.route or self.path}"


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RequestLogEntry] = []

    def append(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._entries)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(entry.key for entry in self._entries))

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._entries)
            self._entries.clear()
            return cleared
