"""Fixtures for the Neon client tests: a scripted MockTransport, a fake clock, and client factories."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from infra.neon import NeonClient, PollPolicy, RetryPolicy, models
from neon_emulator import EmulatorTransport, FaultRule, NeonBackend
from tests.support.clock import FakeClock

API_KEY = "test-key-0123456789abcdef"
BASE_URL = "http://neon.test/api/v2"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def json_response(status: int, body: object = None, headers: dict[str, str] | None = None) -> httpx.Response:
    content = b"" if body is None else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    return httpx.Response(status, content=content, headers=hdrs)


def error_response(
    status: int,
    message: str = "boom",
    code: str = "",
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body: dict[str, str] = {"code": code, "message": message}
    if request_id:
        body["request_id"] = request_id
    return json_response(status, body, headers)


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    replies: list[Reply]
    calls: int = 0


@dataclass
class Script:
    """A MockTransport handler: routes (method, path regex) to queued replies; the last one repeats."""

    clock: FakeClock
    routes: list[Route] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *replies: Reply) -> Route:
        route = Route(method, re.compile(f"^/api/v2{path}$"), list(replies))
        self.routes.insert(0, route)  # later registrations win
        return route

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for route in self.routes:
            if route.method == request.method and route.pattern.match(request.url.path):
                reply = route.replies[min(route.calls, len(route.replies) - 1)]
                route.calls += 1
                if isinstance(reply, Exception):
                    raise reply
                return reply(request) if callable(reply) else reply
        return error_response(404, f"no route for {request.method} {request.url.path}")

    def paths(self, method: str | None = None) -> list[str]:
        return [
            f"{r.method} {r.url.path.removeprefix('/api/v2')}"
            for r in self.requests
            if method is None or r.method == method
        ]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def script(clock: FakeClock) -> Script:
    return Script(clock)


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[Callable[..., NeonClient]]:
    """Build clients on a fake clock: no test ever really sleeps."""
    clients: list[NeonClient] = []

    def build(transport: httpx.BaseTransport, **options: object) -> NeonClient:
        kwargs: dict[str, object] = {
            "transport": transport,
            "sleep": clock.sleep,
            "monotonic": clock.monotonic,
            "clock": clock.time,
            "rng": random.Random(7),
            "retry": RetryPolicy(),
            "poll": PollPolicy(),
        }
        kwargs.update(options)
        client = NeonClient(API_KEY, BASE_URL, **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def mock_client(script: Script, make_client: Callable[..., NeonClient]) -> NeonClient:
    return make_client(httpx.MockTransport(script))


# -- the emulator, in-process on the same fake clock ------------------------------------------------


@pytest.fixture
def backend(clock: FakeClock) -> NeonBackend:
    """An emulated Neon account whose 2-second operations run on the fake clock."""
    return NeonBackend(plan="scale", operation_seconds=2.0, clock=clock.time, seed=0, postgres=None)


@pytest.fixture
def neon(backend: NeonBackend, clock: FakeClock, make_client: Callable[..., NeonClient]) -> NeonClient:
    """A client talking to the in-process emulator: its waits advance the emulator's clock."""
    return make_client(EmulatorTransport(backend, sleep=clock.sleep))


@pytest.fixture
def project(neon: NeonClient) -> models.CreatedProject:
    """A ready project: `shelf`, default branch `main`, database `appdb` owned by `app`."""
    spec = models.ProjectCreate(
        name="shelf", branch=models.ProjectBranchSpec(name="main", database_name="appdb", role_name="app")
    )
    return neon.create_project(spec)


def add_fault(backend: NeonBackend, kind: str, **fields: object) -> None:
    backend.faults.add(FaultRule(kind=kind, **fields))  # type: ignore[arg-type]


def post_count(backend: NeonBackend, route: str) -> int:
    return backend.request_counts().get(f"POST {route}", 0)
