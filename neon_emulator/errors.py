"""Errors the emulator answers with: each carries an HTTP status, Neon's `code` string and a message.

Status choices (Neon documents almost none; these follow what its clients observe):
400 malformed input or a value outside an allowed range (pg_version, region, history window, expires_at);
401 missing or wrong API key; 404 unknown project/branch/endpoint/operation, database or role name;
409 a duplicate name or a second read-write endpoint; 412 password storage disabled;
422 a request that is well formed but refused by a Neon rule (protected or default branch, plan limits);
423 the project has operations still running. Messages never contain secrets.
"""

from __future__ import annotations


class EmulatorError(Exception):
    """An API error: rendered as Neon's `GeneralError` body `{"code", "message", "request_id"}`."""

    status: int = 500
    code: str = "INTERNAL_ERROR"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class BadRequest(EmulatorError):
    status = 400
    code = "BAD_REQUEST"


class Unauthorized(EmulatorError):
    status = 401
    code = "UNAUTHORIZED"


class NotFound(EmulatorError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(EmulatorError):
    status = 405
    code = "METHOD_NOT_ALLOWED"

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


class PayloadTooLarge(EmulatorError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class Conflict(EmulatorError):
    status = 409
    code = "CONFLICT"


class PreconditionFailed(EmulatorError):
    status = 412
    code = "PRECONDITION_FAILED"


class Unprocessable(EmulatorError):
    status = 422
    code = "UNPROCESSABLE_ENTITY"


class LimitExceeded(Unprocessable):
    code = "LIMIT_EXCEEDED"


class Locked(EmulatorError):
    status = 423
    code = "LOCKED"

    def __init__(self) -> None:
        # Neon's exact wording: clients match on it to decide that a retry is safe.
        super().__init__("project already has running conflicting operations, scheduling of new ones is prohibited")


class BackingError(EmulatorError):
    """The real PostgreSQL server refused a change the API call needed."""

    status = 500
    code = "BACKING_POSTGRES_ERROR"
