"""Providers called directly against the in-process emulator: no sockets, no Pulumi engine, no sleeps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from infra.neon import NeonClient
from infra.providers.base import TypedProvider
from infra.providers.project import ProjectProps
from neon_emulator import EmulatorTransport, NeonBackend
from tests.support.clock import FakeClock

API_KEY = "provider-test-key-5d1e8f"


@dataclass
class Sent:
    method: str
    path: str
    body: dict[str, Any] | None


@dataclass
class RecordingTransport(httpx.BaseTransport):
    """The emulator transport, remembering each request's method, path and JSON body."""

    inner: EmulatorTransport
    sent: list[Sent] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.sent.append(Sent(request.method, request.url.path.removeprefix("/api/v2"), body))
        return self.inner.handle_request(request)

    def mutations(self) -> list[Sent]:
        return [s for s in self.sent if s.method != "GET"]


@dataclass
class Neon:
    backend: NeonBackend
    clock: FakeClock
    transport: RecordingTransport

    def client(self) -> NeonClient:
        return NeonClient(
            API_KEY,
            "http://neon.test/api/v2",
            transport=self.transport,
            sleep=self.clock.sleep,
            monotonic=self.clock.monotonic,
            clock=self.clock.time,
        )


@pytest.fixture
def neon(monkeypatch: pytest.MonkeyPatch) -> Neon:
    clock = FakeClock()
    backend = NeonBackend(plan="scale", operation_seconds=1.0, clock=clock.time, seed=3)
    world = Neon(backend, clock, RecordingTransport(EmulatorTransport(backend, sleep=clock.sleep)))
    # Providers build their client from the environment in every method; point that at the emulator.
    monkeypatch.setattr(TypedProvider, "client", staticmethod(world.client))
    return world


def project_props(**overrides: Any) -> dict[str, Any]:
    props = ProjectProps(
        name="workshelf-test",
        region_id="aws-eu-central-1",
        pg_version=17,
        history_retention_seconds=604_800,
        database_name="workshelf",
        role_name="workshelf_owner",
        autoscaling_min_cu=0.25,
        autoscaling_max_cu=2,
        suspend_timeout_seconds=300,
    ).model_dump()
    return {**props, **overrides}
