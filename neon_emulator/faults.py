"""Fault injection: rules that make the next matching requests fail, slow down, drop, or fail operations.

Kinds: `status` (answer 423, 429 [+ Retry-After], 500, 502 [HTML proxy page], 503 without applying the
request), `latency` (add `seconds` before handling), `drop_before` (close the connection, nothing
applied), `drop_after` (apply the request, then close the connection without answering) and
`operation_failed` (the next operations created end `failed`). `method` and `path` (an fnmatch glob on
the path below `/api/v2`) filter which requests a rule affects; `count` is how many requests (or
operations) it affects, `None` meaning every one.
"""

from __future__ import annotations

import fnmatch
import threading
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["status", "latency", "drop_before", "drop_after", "operation_failed"]
FAULT_STATUSES = frozenset({423, 429, 500, 502, 503})
MAX_FAULT_SECONDS = 3600.0


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    kind: FaultKind
    status: int | None = None
    count: int | None = Field(default=1, ge=1)
    method: str | None = None
    path: str | None = None
    retry_after: float | None = Field(default=None, ge=0, le=MAX_FAULT_SECONDS)
    seconds: float | None = Field(default=None, ge=0, le=MAX_FAULT_SECONDS)
    error: str | None = None

    @model_validator(mode="after")
    def _check_kind(self) -> FaultRule:
        if self.kind == "status" and self.status not in FAULT_STATUSES:
            raise ValueError(f"status faults answer one of {sorted(FAULT_STATUSES)}")
        if self.kind != "status" and self.status is not None:
            raise ValueError("only status faults take a status")
        if self.kind == "latency" and self.seconds is None:
            raise ValueError("latency faults need seconds")
        if self.retry_after is not None and self.status != 429:
            raise ValueError("retry_after applies to 429 faults only")
        return self

    def matches(self, method: str | None, path: str | None) -> bool:
        if self.method is not None and (method is None or self.method.upper() != method.upper()):
            return False
        return self.path is None or (path is not None and fnmatch.fnmatchcase(path, self.path))


@dataclass
class ActiveFault:
    id: int
    rule: FaultRule
    remaining: int | None


@dataclass(frozen=True)
class RequestScope:
    method: str
    path: str


# The request being handled, so operation failures can honour a rule's method/path filter.
current_request: ContextVar[RequestScope | None] = ContextVar("neon_emulator_request", default=None)


class FaultSet:
    """Thread-safe list of active rules; matching a rule consumes one unit of its count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[ActiveFault] = []
        self._next_id = 1

    def add(self, rule: FaultRule) -> ActiveFault:
        with self._lock:
            fault = ActiveFault(self._next_id, rule, rule.count)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def active(self) -> list[ActiveFault]:
        with self._lock:
            return [ActiveFault(f.id, f.rule, f.remaining) for f in self._faults]

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._faults)
            self._faults.clear()
            return cleared

    def _take(self, kinds: frozenset[str], method: str | None, path: str | None, many: bool) -> list[FaultRule]:
        taken: list[FaultRule] = []
        with self._lock:
            for fault in list(self._faults):
                if fault.rule.kind not in kinds or not fault.rule.matches(method, path):
                    continue
                taken.append(fault.rule)
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                if not many:
                    break
        return taken

    def take_latency(self, method: str, path: str) -> float:
        """Total added latency for this request (every matching latency rule applies)."""
        rules = self._take(frozenset({"latency"}), method, path, many=True)
        return sum(rule.seconds or 0.0 for rule in rules)

    def take_request_fault(self, method: str, path: str) -> FaultRule | None:
        """The first matching status/drop rule, if any (one per request)."""
        rules = self._take(frozenset({"status", "drop_before", "drop_after"}), method, path, many=False)
        return rules[0] if rules else None

    def take_operation_failure(self) -> FaultRule | None:
        """Called once per operation created; filters apply to the request that creates it."""
        scope = current_request.get()
        method, path = (scope.method, scope.path) if scope else (None, None)
        rules = self._take(frozenset({"operation_failed"}), method, path, many=False)
        return rules[0] if rules else None
