"""Seeded ids: the same seed gives the same ids; reset restarts the sequence; set_seed changes it."""

from __future__ import annotations

import httpx

from neon_emulator import NeonBackend
from neon_emulator.requests import ProjectCreateRequest
from tests.support.clock import FakeClock


def _ids(backend: NeonBackend) -> tuple[str, str, str, int, str, str]:
    created = backend.create_project(ProjectCreateRequest())
    return (
        created.project.id,
        created.branch.id,
        created.endpoints[0].id,
        created.databases[0].id,
        created.operations[0].id,
        created.roles[0].password or "",
    )


def test_same_seed__same_ids_and_passwords(clock: FakeClock) -> None:
    first = NeonBackend(clock=clock.time, seed=42)
    second = NeonBackend(clock=clock.time, seed=42)
    assert _ids(first) == _ids(second)


def test_different_seed__different_ids(clock: FakeClock) -> None:
    assert _ids(NeonBackend(clock=clock.time, seed=1)) != _ids(NeonBackend(clock=clock.time, seed=2))


def test_reset__clears_state_and_restarts_the_id_sequence(clock: FakeClock) -> None:
    backend = NeonBackend(clock=clock.time, seed=7, operation_seconds=0)
    before = _ids(backend)

    backend.reset()

    assert backend.snapshot() == []
    assert backend.request_log == []
    assert _ids(backend) == before


def test_set_seed__switches_sequences(clock: FakeClock) -> None:
    backend = NeonBackend(clock=clock.time, seed=0, operation_seconds=0)
    backend.set_seed(5)
    assert _ids(backend) == _ids(NeonBackend(clock=clock.time, seed=5))


def test_admin_seed_and_reset(admin: httpx.Client, client: httpx.Client) -> None:
    assert admin.post("/seed", json={"seed": 3}).json()["seed"] == 3
    first = client.post("/projects", json={}).json()["project"]["id"]
    assert admin.post("/reset").json() == {"reset": True}
    assert client.get("/projects").json()["projects"] == []
    assert client.post("/projects", json={}).json()["project"]["id"] == first
    assert admin.post("/seed", json={"seed": "x"}).status_code == 400
