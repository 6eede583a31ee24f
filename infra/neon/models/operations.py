"""Operations: the asynchronous work every mutation starts."""

from __future__ import annotations

import enum
from datetime import datetime

from infra.neon.models._base import ResponseModel


class OperationStatus(enum.StrEnum):
    """The statuses Neon documents; the API may add more, so `Operation.status` stays a str."""

    SCHEDULING = "scheduling"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    ERROR = "error"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


SUCCEEDED_STATUSES = frozenset({OperationStatus.FINISHED, OperationStatus.SKIPPED})
# Neon's docs call `failed` retryable by the control plane; like @neon/sdk we surface it as failure.
FAILED_STATUSES = frozenset({OperationStatus.FAILED, OperationStatus.ERROR, OperationStatus.CANCELLED})


class Operation(ResponseModel):
    """One Neon operation (e.g. `create_branch`, `start_compute`)."""

    id: str
    project_id: str
    action: str
    status: str
    branch_id: str | None = None
    endpoint_id: str | None = None
    error: str | None = None
    failures_count: int = 0
    retry_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    total_duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCEEDED_STATUSES

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def is_terminal(self) -> bool:
        """Finished one way or the other; an unknown status counts as still running."""
        return self.succeeded or self.failed
