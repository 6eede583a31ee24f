"""The HTTP-agnostic application: auth, routing, fault injection, error rendering and the request log.

`EmulatorTransport` (in-process) and `EmulatorServer` (sockets) both feed it `AppRequest`s. A response
with `drop=True` means "close the connection without answering".
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import time
import uuid
from collections.abc import Callable, Mapping

from neon_emulator import admin
from neon_emulator.backend import NeonBackend
from neon_emulator.errors import BadRequest, EmulatorError, Unauthorized
from neon_emulator.faults import FaultRule, RequestScope, current_request
from neon_emulator.messages import (
    MAX_BODY_BYTES,
    AppRequest,
    AppResponse,
    error_response,
    json_response,
    too_large,
)
from neon_emulator.requestlog import RequestLogEntry
from neon_emulator.responses import Call, Query
from neon_emulator.routes import resolve, template_of

API_PREFIX = "/api/v2"
ADMIN_PREFIX = "/_emulator"
logger = logging.getLogger("neon_emulator")

PROXY_ERROR_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
FAULT_MESSAGES = {
    423: "project already has running conflicting operations, scheduling of new ones is prohibited",
    429: "rate limit exceeded, please retry later",
    500: "internal server error",
    503: "service temporarily unavailable, please retry",
}
FAULT_CODES = {423: "LOCKED", 429: "TOO_MANY_REQUESTS", 500: "INTERNAL_ERROR", 503: "SERVICE_UNAVAILABLE"}


class EmulatorApp:
    """Serves `/api/v2/...` (auth required) and `/_emulator/...` (admin, no auth, not logged).

    `sleep` implements latency faults: the server passes `time.sleep`; in-process tests pass a fake
    clock's `sleep` so latency advances virtual time instead of blocking.
    """

    def __init__(
        self, backend: NeonBackend, *, api_key: str | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.backend = backend
        self._api_key = api_key
        self._sleep = sleep

    def handle(self, request: AppRequest) -> AppResponse:
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        if len(request.body) > MAX_BODY_BYTES:
            return error_response(too_large(), request_id)
        if request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"):
            return admin.handle(self.backend, request.method, request.path[len(ADMIN_PREFIX) :], request.body)
        if not request.path.startswith(API_PREFIX + "/"):
            return error_response(EmulatorError("not found", status=404, code="NOT_FOUND"), request_id)
        path = request.path[len(API_PREFIX) :]
        arrived = self.backend.now()
        route = template_of(request.method, path)
        delay = self.backend.faults.take_latency(request.method, path)
        if delay > 0:
            self._sleep(delay)
        fault = self.backend.faults.take_request_fault(request.method, path)
        if fault is not None and fault.kind in ("status", "drop_before"):
            response = self._fault_response(fault, request_id)
        else:
            response = self._dispatch(request, path, request_id)
            if fault is not None:  # drop_after: the request was applied, the answer is lost
                response = AppResponse(response.status, [], b"", drop=True)
        applied = (["latency"] if delay > 0 else []) + ([fault.kind] if fault is not None else [])
        self.backend.log.append(
            RequestLogEntry(
                method=request.method,
                path=path,
                route=route,
                status=None if fault is not None and fault.kind == "drop_before" else response.status,
                request_id=request_id,
                fault=",".join(applied) or None,
                at=arrived,
            )
        )
        return response

    def _fault_response(self, fault: FaultRule, request_id: str) -> AppResponse:
        if fault.kind == "drop_before" or fault.status is None:
            return AppResponse(0, [], b"", drop=True)
        status = fault.status
        if status == 502:
            headers = [("Content-Type", "text/html"), ("X-Request-Id", request_id)]
            return AppResponse(502, headers, PROXY_ERROR_PAGE.encode())
        message = fault.error or FAULT_MESSAGES[status]
        response = error_response(EmulatorError(message, status=status, code=FAULT_CODES[status]), request_id)
        if status == 429 and fault.retry_after is not None:
            retry_after = f"{fault.retry_after:g}"
            response = AppResponse(response.status, [*response.headers, ("Retry-After", retry_after)], response.body)
        return response

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return False
        return self._api_key is None or hmac.compare_digest(key.strip().encode(), self._api_key.encode())

    def _dispatch(self, request: AppRequest, path: str, request_id: str) -> AppResponse:
        token = current_request.set(RequestScope(request.method, path))
        try:
            if not self._authorized(request.headers):
                raise Unauthorized("authentication required: send a valid API key as 'Authorization: Bearer <key>'")
            route, params = resolve(request.method, path)
            reply = route.handler(Call(self.backend, params, Query(request.query), _decode(request.body)))
            return json_response(reply.status, reply.body, request_id)
        except EmulatorError as error:
            return error_response(error, request_id)
        except Exception as exc:  # a bug in the emulator: answer like Neon's 500, log the type only
            logger.error("unhandled %s while serving %s %s", type(exc).__name__, request.method, path)
            return error_response(EmulatorError("internal server error"), request_id)
        finally:
            current_request.reset(token)


class _NonFinite(ValueError):
    """JSON has no NaN or Infinity; Python's parser accepts them unless told not to."""


def _refuse_constant(name: str) -> object:
    raise _NonFinite(f"request body: {name} is not valid JSON (numbers must be finite)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(f"request body: {text} is out of range (numbers must be finite)")
    return value


def _decode(body: bytes) -> object:
    """The JSON body, or None when empty. NaN/Infinity literals and absurd nesting are a 400."""
    if not body.strip():
        return None
    try:
        return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise BadRequest("request body is nested too deeply") from None
    except _NonFinite as exc:
        raise BadRequest(str(exc)) from None
    except ValueError:  # includes UnicodeDecodeError
        raise BadRequest("request body is not valid JSON") from None
