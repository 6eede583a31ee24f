"""The request loop (via client methods over MockTransport): headers, retries, budgets, error mapping."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from infra.neon import NeonClient, RetryPolicy, errors
from infra.neon._version import USER_AGENT
from tests.neon import payloads
from tests.neon.conftest import API_KEY, Script, error_response, json_response
from tests.support.clock import FakeClock

PROJECT = json_response(200, {"project": payloads.project()})
BRANCH_CREATED = json_response(201, {"branch": payloads.branch("br-2", "dev"), "operations": []})


def test_headers__auth_agent_and_a_fresh_request_id_per_attempt(script: Script, mock_client: NeonClient) -> None:
    script.on("GET", "/projects/proj-1", error_response(503), PROJECT)
    mock_client.get_project("proj-1")
    first, _second = script.requests
    assert first.headers["Authorization"] == f"Bearer {API_KEY}"
    assert first.headers["User-Agent"] == USER_AGENT == "workshelf-infra/0.1.0"
    assert first.headers["Accept"] == "application/json"
    ids = [r.headers["X-Request-ID"] for r in script.requests]
    assert len(set(ids)) == 2
    assert all(uuid.UUID(i).version == 4 for i in ids)


@pytest.mark.parametrize(
    "failure",
    [
        error_response(423),
        error_response(500),
        httpx.Response(502, text="<html>Bad gateway</html>"),
        error_response(503),
        error_response(504),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ConnectError("refused"),
    ],
    ids=["423", "500", "502-html", "503", "504", "read-timeout", "dropped", "refused"],
)
def test_get__retries_transient_failures(
    script: Script, mock_client: NeonClient, clock: FakeClock, failure: httpx.Response | Exception
) -> None:
    script.on("GET", "/projects/proj-1", failure, failure, PROJECT)
    assert mock_client.get_project("proj-1").id == "proj-1"
    assert len(script.requests) == 3
    assert len(clock.sleeps) == 2
    assert all(0 < s <= 10 for s in clock.sleeps)


def test_retry__429_honours_retry_after(script: Script, mock_client: NeonClient, clock: FakeClock) -> None:
    script.on("GET", "/projects/proj-1", error_response(429, headers={"Retry-After": "7"}), PROJECT)
    mock_client.get_project("proj-1")
    assert clock.sleeps == [7.0]


def test_retry__retry_after_is_capped(script: Script, make_client, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    client = make_client(httpx.MockTransport(script), retry=RetryPolicy(retry_after_cap=12.0))
    script.on("GET", "/projects/proj-1", error_response(429, headers={"Retry-After": "3600"}), PROJECT)
    client.get_project("proj-1")
    assert clock.sleeps == [12.0]


def test_retry__backoff_grows_exponentially(script: Script, make_client, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    client = make_client(httpx.MockTransport(script), retry=RetryPolicy(base_delay=1.0, max_delay=5.0, jitter=0))
    script.on("GET", "/projects/proj-1", *[error_response(423)] * 5, PROJECT)
    client.get_project("proj-1")
    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_retry__gives_up_after_max_attempts(script: Script, make_client, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    client = make_client(httpx.MockTransport(script), retry=RetryPolicy(max_attempts=3))
    script.on("GET", "/projects/proj-1", error_response(423, "project is locked", request_id="rid-9"))
    with pytest.raises(errors.LockedError, match=r"gave up after 3 attempt\(s\)") as exc:
        client.get_project("proj-1")
    assert len(script.requests) == 3
    assert exc.value.request_id == "rid-9"


def test_retry__respects_the_total_budget(script: Script, make_client, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    client = make_client(
        httpx.MockTransport(script),
        retry=RetryPolicy(total_budget=20.0, max_attempts=100, retry_after_cap=30.0),
    )
    script.on("GET", "/projects/proj-1", error_response(429, headers={"Retry-After": "8"}))
    with pytest.raises(errors.RateLimitedError):
        client.get_project("proj-1")
    assert clock.sleeps == [8.0, 8.0]  # a third 8 s sleep would pass the 20 s budget
    assert clock.monotonic() <= 20.0


@pytest.mark.parametrize(
    "failure",
    [
        error_response(500),
        httpx.Response(502, text="<html/>"),
        error_response(504),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=["500", "502", "504", "timeout", "dropped"],
)
def test_post__not_resent_after_an_ambiguous_failure(
    script: Script, mock_client: NeonClient, failure: httpx.Response | Exception
) -> None:
    route = script.on("POST", "/projects/proj-1/endpoints/ep-1/suspend", failure)
    script.on("GET", "/projects/proj-1/endpoints/ep-1", json_response(200, {"endpoint": payloads.endpoint()}))
    script.on("GET", "/projects/proj-1/operations", json_response(200, {"operations": [], "pagination": {}}))
    with pytest.raises(errors.NeonError) as exc:
        mock_client.suspend_endpoint("proj-1", "ep-1")
    # The lookup showed the endpoint still active, so the client re-sent (never blindly) up to the limit.
    assert route.calls == RetryPolicy().create_attempts
    assert "verified that it did not apply" in str(exc.value)


@pytest.mark.parametrize("status", [423, 429, 503])
def test_post__resent_when_provably_not_applied(script: Script, mock_client: NeonClient, status: int) -> None:
    route = script.on("POST", "/projects/proj-1/branches", error_response(status), BRANCH_CREATED)
    created = mock_client.create_branch("proj-1")
    assert created.branch.id == "br-2"
    assert route.calls == 2
    assert script.paths("GET") == []


def test_post__resent_after_connection_refused(script: Script, mock_client: NeonClient) -> None:
    route = script.on("POST", "/projects/proj-1/branches", httpx.ConnectError("refused"), BRANCH_CREATED)
    assert mock_client.create_branch("proj-1").branch.id == "br-2"
    assert route.calls == 2


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (412, errors.PreconditionFailedError),
        (422, errors.UnprocessableEntityError),
        (418, errors.NeonAPIError),
        (501, errors.ServerError),
    ],
)
def test_errors__one_class_per_status(
    script: Script, mock_client: NeonClient, status: int, cls: type[errors.NeonAPIError]
) -> None:
    script.on("GET", "/projects/proj-1", error_response(status, "nope", code="SOME_CODE", request_id="req-77"))
    with pytest.raises(cls) as exc:
        mock_client.get_project("proj-1")
    assert type(exc.value) is cls
    assert (exc.value.status_code, exc.value.code, exc.value.api_message) == (status, "SOME_CODE", "nope")
    assert exc.value.message == f"get_project failed: HTTP {status} [SOME_CODE] (request_id=req-77): nope"
    assert str(exc.value) == exc.value.message + (f"\n  hint: {exc.value.hint}" if exc.value.hint else "")
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("status", "code", "hint"),
    [
        (401, "", "check NEON_API_KEY: an API key from the Neon console (Account settings → API keys)"),
        (403, "", "this API key may not do that: use a key of the project's organization (see NEON_ORG_ID)"),
        (423, "LOCKED", "another operation is running on the project: try again in a minute"),
        (429, "", "Neon is rate-limiting this key: try again in a minute"),
        (500, "", "Neon (or a proxy in front of it) failed: try again"),
        (503, "", "Neon (or a proxy in front of it) failed: try again"),
        (
            422,
            "LIMIT_EXCEEDED",
            "a limit of the Neon plan: stay within it (README, configuration reference) or change the plan",
        ),
        (422, "", ""),
        (404, "", ""),
        (409, "", ""),
    ],
)
def test_errors__carry_a_hint_where_the_status_says_what_to_do(status: int, code: str, hint: str) -> None:
    error = errors.api_error_class(status)(
        operation="get_project", status_code=status, code=code, message="m", request_id="r"
    )
    assert error.hint == hint


def test_errors__request_id_from_the_response_header(script: Script, mock_client: NeonClient) -> None:
    script.on("GET", "/projects/proj-1", error_response(404, headers={"X-Request-Id": "hdr-5"}))
    with pytest.raises(errors.NotFoundError, match=r"request_id=hdr-5") as exc:
        mock_client.get_project("proj-1")
    assert exc.value.request_id == "hdr-5"


def test_errors__request_id_falls_back_to_ours(script: Script, mock_client: NeonClient) -> None:
    script.on("GET", "/projects/proj-1", error_response(404))
    with pytest.raises(errors.NotFoundError) as exc:
        mock_client.get_project("proj-1")
    assert exc.value.request_id == script.requests[0].headers["X-Request-ID"]


def test_errors__502_html_body_is_not_copied(script: Script, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(httpx.MockTransport(script), retry=RetryPolicy(max_attempts=2))
    script.on("GET", "/projects/proj-1", httpx.Response(502, text="<html><body>Bad Gateway</body></html>"))
    with pytest.raises(errors.ServerError) as exc:
        client.get_project("proj-1")
    assert "<html>" not in str(exc.value)
    assert str(exc.value).startswith("get_project failed: HTTP 502 (request_id=")


def test_errors__transport_failure_names_the_operation(script: Script, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(httpx.MockTransport(script), retry=RetryPolicy(max_attempts=2))
    script.on("GET", "/projects/proj-1", httpx.ReadTimeout("timed out"))
    with pytest.raises(errors.NeonTimeoutError, match=r"^get_project failed: timed out") as exc:
        client.get_project("proj-1")
    assert isinstance(exc.value, errors.NeonConnectionError)
    assert exc.value.request_id == script.requests[-1].headers["X-Request-ID"]


def test_errors__api_key_echoed_by_the_server_is_scrubbed(
    script: Script, mock_client: NeonClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="infra.neon")
    script.on("GET", "/projects/proj-1", error_response(401, f"bad token Bearer {API_KEY}", code=API_KEY))
    with pytest.raises(errors.AuthenticationError) as exc:
        mock_client.get_project("proj-1")
    assert API_KEY not in str(exc.value)
    assert API_KEY not in exc.value.code
    assert "***" in str(exc.value)
    assert API_KEY not in caplog.text
    assert "Authorization" not in caplog.text


def test_logging__method_path_status_attempt_request_id(
    script: Script, mock_client: NeonClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="infra.neon")
    script.on("GET", "/projects/proj-1", error_response(503, request_id="r-1"), PROJECT)
    mock_client.get_project("proj-1")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "GET /projects/proj-1 -> 503 attempt=1 request_id=" + script.requests[0].headers["X-Request-ID"]
    assert lines[1].startswith("GET /projects/proj-1: retry 2 in ")
    assert lines[2].startswith("GET /projects/proj-1 -> 200 attempt=2")


def test_patch__is_retried_with_the_same_body(script: Script, mock_client: NeonClient) -> None:
    from infra.neon import models

    ok = json_response(200, {"project": payloads.project(name="renamed"), "operations": []})
    script.on("PATCH", "/projects/proj-1", error_response(500), httpx.RemoteProtocolError("drop"), ok)
    project = mock_client.update_project("proj-1", models.ProjectUpdate(name="renamed"))
    assert project.name == "renamed"
    assert [r.content for r in script.requests] == [b'{"project":{"name":"renamed"}}'] * 3


def test_unexpected_success_body_is_a_clear_error(script: Script, mock_client: NeonClient) -> None:
    script.on("GET", "/projects/proj-1", json_response(200, {"project": {"id": "p", "password": "leak-me"}}))
    with pytest.raises(errors.UnexpectedResponseError, match=r"get_project failed: unexpected HTTP 200") as exc:
        mock_client.get_project("proj-1")
    assert "leak-me" not in str(exc.value)
