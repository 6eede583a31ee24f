"""The one request loop: auth headers, per-attempt timeouts, retries and error mapping."""

from __future__ import annotations

import enum
import functools
import json
import logging
import random
import ssl
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from infra.neon import errors
from infra.neon._retry import AMBIGUOUS_STATUSES, RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from infra.neon._version import USER_AGENT
from infra.neon.settings import NeonSettings

logger = logging.getLogger("infra.neon")

ModelT = TypeVar("ModelT", bound=BaseModel)
QueryValue = str | int | bool
JsonBody = Mapping[str, object]


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The TLS settings httpx would make for each client (its CA bundle, or SSL_CERT_FILE/SSL_CERT_DIR),
    made once per process: loading the CA bundle takes ~50 ms, and a provider process makes a client
    per resource call (make bench-cli)."""
    return httpx.create_ssl_context()


# Raised before any byte of the request reached the server, so even a POST may be re-sent.
_BEFORE_SEND = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# Programming or configuration errors: retrying cannot help.
_NOT_RETRYABLE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


class Safety(enum.Enum):
    """Whether a request may be repeated after a failure that might have applied it."""

    IDEMPOTENT = "idempotent"  # GET; PATCH with the same body; DELETE (a later 404 means done)
    UNSAFE = "unsafe"  # POST: re-sent only when it provably did not apply


@dataclass(frozen=True)
class Call:
    """One logical API call; `operation` names the client method in errors and logs."""

    operation: str
    method: str
    path: str
    safety: Safety
    params: Mapping[str, QueryValue] | None = None
    body: JsonBody | None = None


@dataclass(frozen=True)
class Reply:
    """A successful (or, for DELETE, already-done) response."""

    operation: str
    status_code: int
    payload: object
    request_id: str | None
    retried_after_ambiguity: bool = False

    def parse(self, model: type[ModelT], adapt: Callable[[object], object] | None = None) -> ModelT:
        """Validate the JSON body into `model`, without echoing values (they may be secrets)."""
        try:
            return model.model_validate(adapt(self.payload) if adapt else self.payload)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                for e in exc.errors(include_url=False, include_input=False)[:5]
            )
            raise errors.UnexpectedResponseError(
                problems, operation=self.operation, status_code=self.status_code, request_id=self.request_id
            ) from None


@dataclass
class _Attempt:
    """What one failed attempt left behind, for the retry decision."""

    error: errors.NeonError
    may_have_applied: bool
    retryable: bool
    retry_after: float | None = None


@dataclass
class Session:
    """Sends Calls through httpx with the retry policy; the only place that talks HTTP."""

    settings: NeonSettings
    policy: RetryPolicy
    transport: httpx.BaseTransport | None
    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    clock: Callable[[], float]
    rng: random.Random

    def __post_init__(self) -> None:
        self._client = httpx.Client(
            base_url=self.settings.base_url + "/",
            transport=self.transport,
            timeout=httpx.Timeout(self.policy.attempt_timeout),
            verify=default_tls_context(),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,
        )
        self._secrets = (self.settings.api_key.get_secret_value(),)

    def close(self) -> None:
        self._client.close()

    def send(self, call: Call) -> Reply:
        """Send `call`, retrying per the policy; raise the mapped NeonError when it gives up."""
        started = self.monotonic()
        maybe_applied = False
        attempt = 0
        while True:
            attempt += 1
            request_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            outcome = self._attempt(call, attempt, request_id, maybe_applied)
            if isinstance(outcome, Reply):
                return outcome
            if outcome.may_have_applied and call.safety is Safety.UNSAFE:
                outcome.error.maybe_applied = True
                raise outcome.error
            maybe_applied = maybe_applied or outcome.may_have_applied
            # For idempotent calls, tell the caller an earlier attempt may have applied (e.g. a rename).
            outcome.error.maybe_applied = maybe_applied
            if not outcome.retryable:
                raise outcome.error
            delay = self.policy.delay(attempt, outcome.retry_after, self.rng)
            elapsed = self.monotonic() - started
            if attempt >= self.policy.max_attempts or elapsed + delay > self.policy.total_budget:
                raise _gave_up(outcome.error, attempt, elapsed)
            logger.debug("%s %s: retry %d in %.2fs", call.method, call.path, attempt + 1, delay)
            self.sleep(delay)

    def _attempt(self, call: Call, attempt: int, request_id: str, maybe_applied: bool) -> Reply | _Attempt:
        headers = {
            "Authorization": f"Bearer {self.settings.api_key.get_secret_value()}",
            "X-Request-ID": request_id,
        }
        try:
            response = self._client.request(
                call.method, call.path.lstrip("/"), params=call.params, json=call.body, headers=headers
            )
        except httpx.TransportError as exc:
            logger.debug(
                "%s %s -> %s attempt=%d request_id=%s",
                call.method,
                call.path,
                type(exc).__name__,
                attempt,
                request_id,
            )
            return self._transport_failure(call, exc, request_id)
        rid = _response_request_id(response) or request_id
        logger.debug("%s %s -> %d attempt=%d request_id=%s", call.method, call.path, response.status_code, attempt, rid)
        return self._classify(call, response, rid, maybe_applied)

    def _classify(self, call: Call, response: httpx.Response, rid: str, maybe_applied: bool) -> Reply | _Attempt:
        status = response.status_code
        done_delete = call.method == "DELETE" and status == 404 and maybe_applied
        if response.is_success or done_delete:
            return Reply(call.operation, status, _json_or_none(response), rid, maybe_applied)
        error = self._api_error(call, response, rid)
        return _Attempt(
            error,
            may_have_applied=status in AMBIGUOUS_STATUSES,
            retryable=status in RETRYABLE_STATUSES,
            retry_after=parse_retry_after(response.headers.get("Retry-After"), self.clock),
        )

    def _api_error(self, call: Call, response: httpx.Response, rid: str) -> errors.NeonAPIError:
        body = _json_or_none(response)
        code, message = "", response.reason_phrase or "error"
        if isinstance(body, dict):
            code = str(body.get("code") or "")
            message = str(body.get("message") or message)
            rid = str(body.get("request_id") or rid)
        cls = errors.api_error_class(response.status_code)
        return cls(
            operation=call.operation,
            status_code=response.status_code,
            code=errors.redact(code, self._secrets),
            message=errors.redact(message, self._secrets),
            request_id=rid,
        )

    def _transport_failure(self, call: Call, exc: httpx.TransportError, rid: str) -> _Attempt:
        cls = errors.NeonTimeoutError if isinstance(exc, httpx.TimeoutException) else errors.NeonConnectionError
        kind = "timed out" if cls is errors.NeonTimeoutError else "connection failed"
        detail = errors.redact(f"{type(exc).__name__}: {exc}", self._secrets)
        error = cls(
            f"{call.operation} failed: {kind} ({detail}) (request_id={rid})",
            operation=call.operation,
            request_id=rid,
        )
        before_send = isinstance(exc, _BEFORE_SEND)
        return _Attempt(error, may_have_applied=not before_send, retryable=not isinstance(exc, _NOT_RETRYABLE))


def _response_request_id(response: httpx.Response) -> str | None:
    value = response.headers.get("X-Request-Id")
    return str(value) if value else None


def _json_or_none(response: httpx.Response) -> object:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None  # e.g. the HTML page a proxy serves with a 502


def _gave_up(error: errors.NeonError, attempts: int, elapsed: float) -> errors.NeonError:
    error.args = (f"{error.message} (gave up after {attempts} attempt(s) in {elapsed:.1f}s)",)
    return error
