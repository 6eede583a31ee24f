"""`workshelf-infra:monitoring` — the thresholds `health` judges a Neon stack by.

Each threshold is a pair: a value at or above `warning` is a warning (exit 6), at or above `critical`
a critical finding (exit 7). A threshold set to `null` turns its check off for the stack (it is then
reported as skipped). Defaults follow postgres_exporter's alerts and Neon's docs (see the README).
"""

from __future__ import annotations

from typing import Final

from pydantic import Field, model_validator

from infra.config.section import Section


class Threshold(Section):
    warning: float = Field(ge=0)
    critical: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.critical < self.warning:
            raise ValueError(f"critical ({self.critical:g}) must be at least warning ({self.warning:g})")
        return self


def _pair(warning: float, critical: float) -> Threshold:
    return Threshold(warning=warning, critical=critical)


DEFAULT_SLOW_QUERY_MS: Final = 1000


class MonitoringSettings(Section):
    slow_query_ms: int = Field(default=DEFAULT_SLOW_QUERY_MS, ge=1)  # a statement's mean or max above this is slow
    slow_queries: Threshold | None = _pair(1, 5)  # statements slow since the previous run
    connect_latency_ms: Threshold | None = _pair(500, 2000)  # connect and `SELECT 1`; failing is critical
    idle_in_transaction_seconds: Threshold | None = _pair(300, 1800)  # the oldest such session
    long_running_seconds: Threshold | None = _pair(300, 1800)  # the oldest active statement
    deadlocks: Threshold | None = _pair(1, 5)  # since the previous run
    rollback_ratio: Threshold | None = _pair(0.1, 0.25)  # rollbacks / transactions since the previous run
    connections_percent: Threshold | None = _pair(80, 95)  # of max_connections
    branches_percent: Threshold | None = _pair(80, 100)  # of the plan's branch limit
    failed_operations: Threshold | None = _pair(1, 3)  # Neon operations failed in the last 24 hours
    drill_age_days: Threshold | None = _pair(8, 15)  # since the last passed restore drill
    snapshot_age_hours: Threshold | None = _pair(26, 50)  # since the newest snapshot
