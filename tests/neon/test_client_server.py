"""The client against the emulator in server mode: real sockets, real time (slow, marked e2e)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from infra.neon import NeonClient, PollPolicy, RetryPolicy, errors, models
from neon_emulator import EmulatorServer, NeonBackend
from tests.neon.conftest import add_fault, post_count
from tests.support.ports import pick_free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def server_backend() -> NeonBackend:
    return NeonBackend(plan="scale", operation_seconds=0.2, clock=time.time, seed=0, postgres=None)


@pytest.fixture
def server(server_backend: NeonBackend) -> Iterator[EmulatorServer]:
    with EmulatorServer(server_backend, host="127.0.0.1", port=0) as running:
        yield running


def real_client(base_url: str, **retry: float) -> NeonClient:
    return NeonClient(
        "e2e-key",
        base_url,
        retry=RetryPolicy(**retry),  # type: ignore[arg-type]
        poll=PollPolicy(timeout=30.0),
    )


def test_round_trip__project_and_branch(server: EmulatorServer) -> None:
    with real_client(server.base_url) as neon:
        created = neon.create_project(models.ProjectCreate(name="e2e"))
        branch = neon.create_branch(
            created.project.id,
            models.BranchCreate(name="dev"),
            endpoints=[models.BranchEndpointOptions(type="read_write")],
        )
    assert all(op.status == "finished" for op in [*created.operations, *branch.operations])


def test_drop_after__socket_closed_after_apply_is_adopted(server: EmulatorServer, server_backend: NeonBackend) -> None:
    add_fault(server_backend, "drop_after", method="POST", path="/projects")
    with real_client(server.base_url) as neon:
        created = neon.create_project(models.ProjectCreate(name="e2e-dropped"))
        assert [p.id for p in neon.list_projects()] == [created.project.id]
    assert post_count(server_backend, "/projects") == 1
    assert created.roles[0].password is not None


def test_timeout__a_create_applied_after_the_client_gave_up_is_adopted(
    server: EmulatorServer, server_backend: NeonBackend
) -> None:
    add_fault(server_backend, "latency", seconds=1.0, method="POST", path="/projects")
    with real_client(server.base_url, attempt_timeout=0.3, settle_delay=1.5) as neon:
        created = neon.create_project(models.ProjectCreate(name="e2e-slow"))
        assert [p.id for p in neon.list_projects()] == [created.project.id]
    assert post_count(server_backend, "/projects") == 1


def test_connection_refused__is_retried_then_raised() -> None:
    port = pick_free_port()  # free, and outside the ephemeral range: nobody gets it meanwhile
    neon = real_client(f"http://127.0.0.1:{port}/api/v2", max_attempts=3, base_delay=0.01)
    refused = pytest.raises(errors.NeonConnectionError, match=r"^create_project failed: connection failed")
    with neon, refused as exc:
        neon.create_project(models.ProjectCreate(name="nobody-home"))
    assert "gave up after 3 attempt(s)" in str(exc.value)
    assert not exc.value.maybe_applied
