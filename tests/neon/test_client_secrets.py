"""No API key or password in any error message, repr or log line."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from infra.neon import NeonClient, RetryPolicy, errors, models
from neon_emulator import EmulatorTransport, NeonBackend
from tests.neon.conftest import API_KEY, add_fault
from tests.support.clock import FakeClock


def every_password(backend: NeonBackend) -> list[str]:
    return [
        role.password
        for project in backend.projects.values()
        for branch in project.branches.values()
        for role in branch.roles.values()
        if role.password
    ]


def collect(failures: list[Callable[[], object]]) -> list[errors.NeonError]:
    raised: list[errors.NeonError] = []
    for call in failures:
        with pytest.raises(errors.NeonError) as exc:
            call()
        raised.append(exc.value)
    return raised


def test_no_secret_in_errors_or_logs(
    backend: NeonBackend,
    make_client,
    clock: FakeClock,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    neon: NeonClient = make_client(EmulatorTransport(backend, sleep=clock.sleep), retry=RetryPolicy(max_attempts=2))
    created = neon.create_project(models.ProjectCreate(name="secrets", store_passwords=False))
    pid, bid = created.project.id, created.branch.id
    role = neon.create_role(pid, bid, name="svc")
    reset = neon.reset_role_password(pid, bid, "svc")
    wrong_key = make_client(EmulatorTransport(backend, api_key="the-real-key", sleep=clock.sleep))

    def failing_operation() -> object:
        add_fault(backend, "operation_failed", method="POST", path="/projects/*/branches/*/roles")
        return neon.create_role(pid, bid, name="svc2")

    def dropped_forever() -> object:
        add_fault(backend, "drop_before", count=None, method="GET", path="/projects/*")
        try:
            return neon.get_project(pid)
        finally:
            backend.faults.clear()

    raised = collect(
        [
            lambda: wrong_key.get_project(pid),
            lambda: neon.reveal_role_password(pid, bid, "svc"),
            lambda: neon.get_connection_uri(pid, database_name="neondb", role_name="svc"),
            lambda: neon.create_role(pid, bid, name="svc"),
            lambda: neon.get_role(pid, bid, "nobody"),
            failing_operation,
            dropped_forever,
        ]
    )
    assert [type(e).__name__ for e in raised] == [
        "AuthenticationError",
        "PreconditionFailedError",
        "PreconditionFailedError",
        "ConflictError",
        "NotFoundError",
        "OperationFailedError",
        "NeonConnectionError",
    ]
    secrets = [
        API_KEY,
        "the-real-key",
        role.password.get_secret_value(),
        reset.password.get_secret_value(),
        *every_password(backend),
    ]
    for text in [
        *(str(e) for e in raised),
        *(repr(e) for e in raised),
        caplog.text,
        repr(neon),
        repr(created),
        repr(role),
        repr(reset),
    ]:
        for secret in secrets:
            assert secret not in text


def test_key_is_never_in_a_transport_error(make_client) -> None:  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused while sending {request.headers['Authorization']}")

    client = make_client(httpx.MockTransport(handler), retry=RetryPolicy(max_attempts=1))
    with pytest.raises(errors.NeonConnectionError) as exc:
        client.get_project("p")
    assert API_KEY not in str(exc.value)
    assert "***" in str(exc.value)
