"""A health check's result, the whole report, and judging a value against its two thresholds."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from infra.config.monitoring import Threshold
from infra.errors import ExitCode
from infra.ops.times import rfc3339

Status = Literal["ok", "warning", "critical", "skipped"]
_RANK: dict[Status, int] = {"skipped": 0, "ok": 1, "warning": 2, "critical": 3}
_EXIT: dict[Status, int] = {
    "skipped": ExitCode.OK,
    "ok": ExitCode.OK,
    "warning": ExitCode.WARNING,
    "critical": ExitCode.CRITICAL,
}


def judge(value: float, threshold: Threshold) -> Status:
    """At or above critical: critical; at or above warning: warning; else ok."""
    if value >= threshold.critical:
        return "critical"
    if value >= threshold.warning:
        return "warning"
    return "ok"


class Check(BaseModel):
    """One check: `value` in `unit`, judged against `threshold`; `detail` says what was seen, `hint` what to do."""

    model_config = ConfigDict(frozen=True)

    name: str
    status: Status
    value: JsonValue = None
    unit: str = ""
    threshold: Threshold | None = None
    detail: str = ""
    hint: str = ""
    items: list[dict[str, JsonValue]] = Field(default_factory=list)  # e.g. the top slow statements


def skipped(name: str, detail: str, *, threshold: Threshold | None = None) -> Check:
    return Check(name=name, status="skipped", threshold=threshold, detail=detail)


class HealthReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    checked_at: datetime
    checks: list[Check]

    @property
    def status(self) -> Status:
        return max((c.status for c in self.checks), key=_RANK.__getitem__, default="ok")

    @property
    def exit_code(self) -> int:
        return _EXIT[self.status]

    def to_json(self) -> str:
        """`{stack, checked_at, status, exit_code, checks: [{name, status, value, unit, threshold, ...}]}`."""
        document = {
            "stack": self.stack,
            "checked_at": rfc3339(self.checked_at),
            "status": self.status,
            "exit_code": self.exit_code,
            "checks": [c.model_dump(mode="json") for c in self.checks],
        }
        return json.dumps(document, indent=2)

    def lines(self) -> list[str]:
        lines = [f"health of {self.stack} at {rfc3339(self.checked_at)}: {self.status.upper()}"]
        for check in self.checks:
            lines.append(f"  {check.status.upper():<8} {check.name}: {_shown(check)}")
            lines += [f"           - {_item(item)}" for item in check.items]
            if check.hint and check.status in ("warning", "critical"):
                lines.append(f"           what to do: {check.hint}")
        return lines


def _shown(check: Check) -> str:
    value = "" if check.value is None or isinstance(check.value, dict | list) else f"{check.value}{check.unit}"
    limit = check.threshold
    if limit is not None and value:
        value += f" (warning at {limit.warning:g}{check.unit}, critical at {limit.critical:g}{check.unit})"
    return "; ".join(p for p in (value, check.detail) if p) or "-"


def _item(item: dict[str, JsonValue]) -> str:
    return ", ".join(f"{k}={v}" for k, v in item.items())
