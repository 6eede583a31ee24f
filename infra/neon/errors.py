"""Errors raised by the Neon client; catch by class, never by parsing text.

    NeonError                        base class of everything below
    ├── NeonConfigError              settings missing or invalid (e.g. NEON_API_KEY unset)
    ├── NeonConnectionError          no HTTP response: refused, reset, dropped
    │   └── NeonTimeoutError         the request timed out
    ├── NeonAPIError                 Neon answered an error: status_code, code, message, request_id
    │   ├── BadRequestError          400
    │   ├── AuthenticationError      401
    │   ├── PermissionDeniedError    403
    │   ├── NotFoundError            404
    │   ├── ConflictError            409
    │   ├── PreconditionFailedError  412 (e.g. reveal_password with store_passwords off)
    │   ├── UnprocessableEntityError 422
    │   ├── LockedError              423 (another operation runs on the project)
    │   ├── RateLimitedError         429
    │   └── ServerError              5xx
    ├── UnexpectedResponseError      a 2xx body that is not what the API documents
    ├── OperationFailedError         an operation ended failed / error / cancelled
    ├── OperationTimeoutError        operations still running at the wait deadline
    └── AmbiguousResultError         a create may have been applied and could not be resolved safely

Every error carries `operation` (the client method, e.g. "create_branch") and `maybe_applied`: True
when a non-idempotent request may have taken effect although it failed. Messages never contain the
API key or a password: Neon's text is scrubbed of known secrets before it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra.errors import WorkshelfError

_MAX_MESSAGE = 300


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every known secret in `text` and shorten it; used for all server-supplied text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


class NeonError(WorkshelfError):
    """Base class for every error raised by `infra.neon` (beneath the product's root, `infra.errors`)."""

    def __init__(self, message: str, *, operation: str = "", maybe_applied: bool = False, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.operation = operation
        self.maybe_applied = maybe_applied


class NeonConfigError(NeonError):
    """The client cannot be configured (a missing or invalid setting)."""


class NeonConnectionError(NeonError):
    """The request got no HTTP response (connection refused, reset or dropped)."""

    def __init__(
        self, message: str, *, operation: str, request_id: str | None = None, maybe_applied: bool = False
    ) -> None:
        hint = "check NEON_API_URL and the network, then try again"
        super().__init__(message, operation=operation, maybe_applied=maybe_applied, hint=hint)
        self.request_id = request_id


class NeonTimeoutError(NeonConnectionError):
    """The request timed out (connecting, sending or waiting for the response)."""


class NeonAPIError(NeonError):
    """Neon answered with an error status; `code`, `message` and `request_id` come from its body."""

    def __init__(
        self,
        *,
        operation: str,
        status_code: int,
        code: str,
        message: str,
        request_id: str | None,
        note: str = "",
    ) -> None:
        text = f"{operation} failed: HTTP {status_code}"
        text += f" [{code}]" if code else ""
        text += f" (request_id={request_id or 'unknown'}): {message}"
        super().__init__(text + note, operation=operation, hint=status_hint(status_code, code))
        self.status_code = status_code
        self.code = code
        self.api_message = message
        self.request_id = request_id


class BadRequestError(NeonAPIError):
    """400: the request was rejected as invalid."""


class AuthenticationError(NeonAPIError):
    """401: the API key is missing, invalid or revoked."""


class PermissionDeniedError(NeonAPIError):
    """403: the API key may not do this (e.g. a project-scoped key deleting its project)."""


class NotFoundError(NeonAPIError):
    """404: the object (or one of its parents) does not exist."""


class ConflictError(NeonAPIError):
    """409: the object already exists (e.g. a branch with that name)."""


class PreconditionFailedError(NeonAPIError):
    """412: a precondition failed (e.g. reveal_password on a project with store_passwords off)."""


class UnprocessableEntityError(NeonAPIError):
    """422: the request is well-formed but cannot be applied now."""


class LockedError(NeonAPIError):
    """423: another operation is running on the project; safe to retry later."""


class RateLimitedError(NeonAPIError):
    """429: too many requests; safe to retry after a pause."""


class ServerError(NeonAPIError):
    """5xx: Neon (or a proxy in front of it) failed."""


_STATUS_CLASSES: dict[int, type[NeonAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: UnprocessableEntityError,
    423: LockedError,
    429: RateLimitedError,
}


# What to do next, where the status (or Neon's code) says it; Neon's own message says what happened.
_STATUS_HINTS = {
    401: "check NEON_API_KEY: an API key from the Neon console (Account settings → API keys)",
    403: "this API key may not do that: use a key of the project's organization (see NEON_ORG_ID)",
    423: "another operation is running on the project: try again in a minute",
    429: "Neon is rate-limiting this key: try again in a minute",
}
_SERVER_HINT = "Neon (or a proxy in front of it) failed: try again"
_LIMIT_HINT = "a limit of the Neon plan: stay within it (README, configuration reference) or change the plan"


def status_hint(status_code: int, code: str = "") -> str:
    """The hint an API error carries: by status, or by Neon's code for plan limits."""
    if status_code >= 500:
        return _SERVER_HINT
    if "LIMIT" in code.upper():
        return _LIMIT_HINT
    return _STATUS_HINTS.get(status_code, "")


def api_error_class(status_code: int) -> type[NeonAPIError]:
    """The one mapping from an HTTP status to an error class."""
    if status_code >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status_code, NeonAPIError)


class UnexpectedResponseError(NeonError):
    """A success response whose body does not match the documented shape."""

    def __init__(self, message: str, *, operation: str, status_code: int, request_id: str | None) -> None:
        super().__init__(
            f"{operation} failed: unexpected HTTP {status_code} response "
            f"(request_id={request_id or 'unknown'}): {message}",
            operation=operation,
        )
        self.status_code = status_code
        self.request_id = request_id


class OperationFailedError(NeonError):
    """A Neon operation ended in `failed`, `error` or `cancelled`."""

    def __init__(self, *, operation: str, action: str, operation_id: str, status: str, error: str | None) -> None:
        detail = error or "no error text"
        super().__init__(
            f"{operation}: Neon operation {action} ({operation_id}) ended {status}: {detail}",
            operation=operation,
        )
        self.action = action
        self.operation_id = operation_id
        self.status = status
        self.error = error


class OperationTimeoutError(NeonError):
    """Operations were still running when the wait deadline passed."""

    def __init__(self, *, operation: str, action: str, operation_id: str, status: str, waited: float) -> None:
        super().__init__(
            f"{operation}: Neon operation {action} ({operation_id}) still {status} after {waited:.1f}s",
            operation=operation,
        )
        self.action = action
        self.operation_id = operation_id
        self.status = status


class AmbiguousResultError(NeonError):
    """A create may have been applied but the client could not tell which object is the result."""

    def __init__(self, message: str, *, operation: str) -> None:
        super().__init__(f"{operation}: {message}", operation=operation, maybe_applied=True)
