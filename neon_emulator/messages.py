"""The transport-neutral request and response the app exchanges with the in-process transport and server."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from neon_emulator.errors import EmulatorError, MethodNotAllowed, PayloadTooLarge

# Larger request bodies are refused with 413 before they are read or parsed.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class AppRequest:
    method: str
    path: str  # URL path as sent (still percent-encoded)
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # keys lower-cased
    body: bytes = b""


@dataclass(frozen=True)
class AppResponse:
    """`drop=True`: close the connection without sending anything."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    drop: bool = False


def json_response(status: int, payload: object, request_id: str | None = None) -> AppResponse:
    headers = [("X-Request-Id", request_id)] if request_id else []
    if payload is None:
        return AppResponse(status, headers, b"")
    return AppResponse(status, [*headers, ("Content-Type", "application/json")], json.dumps(payload).encode())


def error_response(error: EmulatorError, request_id: str) -> AppResponse:
    """Neon's `GeneralError` body."""
    payload = {"code": error.code, "message": error.message, "request_id": request_id}
    response = json_response(error.status, payload, request_id)
    if isinstance(error, MethodNotAllowed):
        response.headers.append(("Allow", ", ".join(error.allowed)))
    return response


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes")
