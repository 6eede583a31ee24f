"""Durations learned by one client aim the next client's polls; a new project's history is never listed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from infra.neon import NeonClient, models
from infra.neon._durations import DurationFile
from neon_emulator import EmulatorTransport, NeonBackend
from tests.neon.conftest import BASE_URL
from tests.support.clock import FakeClock

POLL = "GET /projects/{project_id}/operations/{operation_id}"
LIST = "GET /projects/{project_id}/operations"  # the project's history, and a chain's poll


def test_file__round_trip_per_api(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "durations.json"
    DurationFile(path, "https://console.neon.tech/api/v2").save({"create_timeline": 1.5}, now=1.0)
    DurationFile(path, "http://127.0.0.1:8787/api/v2").save({"create_timeline": 2.0}, now=2.0)
    assert DurationFile(path, "https://console.neon.tech/api/v2").load() == {"create_timeline": 1.5}
    assert DurationFile(path, "http://127.0.0.1:8787/api/v2").load() == {"create_timeline": 2.0}
    assert DurationFile(path, "http://elsewhere/api/v2").load() == {}


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        "[]",
        '{"apis": []}',
        json.dumps({"apis": {BASE_URL: {"actions": {"a": "slow", "b": -1, "c": float("nan"), "d": 0}}}}),
    ],
)
def test_file__anything_unreadable_means_nothing_learned(tmp_path: Path, content: str) -> None:
    path = tmp_path / "durations.json"
    path.write_text(content)
    assert DurationFile(path, BASE_URL).load() == {}


def test_file__keeps_the_most_recently_used_apis(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    for n in range(12):
        DurationFile(path, f"http://127.0.0.1:{9000 + n}/api/v2").save({"a": 1.0}, now=float(n))
    kept = json.loads(path.read_text())["apis"]
    assert sorted(kept) == [f"http://127.0.0.1:{9000 + n}/api/v2" for n in range(4, 12)]


def test_file__an_unwritable_place_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    DurationFile(blocker / "durations.json", BASE_URL).save({"a": 1.0})  # no exception
    assert DurationFile(blocker / "durations.json", BASE_URL).load() == {}


def _spec() -> models.ProjectCreate:
    return models.ProjectCreate(
        name="shelf", branch=models.ProjectBranchSpec(name="main", database_name="appdb", role_name="app")
    )


def test_a_fresh_client_aims_its_first_poll_with_what_an_earlier_one_learned(
    backend: NeonBackend, clock: FakeClock, make_client: Callable[..., NeonClient], tmp_path: Path
) -> None:
    path = tmp_path / "durations.json"
    transport = EmulatorTransport(backend, sleep=clock.sleep)
    with make_client(transport, durations=path) as first:  # a provider process on its first run
        first.create_project(_spec())
    # Two 2 s operations, polled as a chain: after the prior (1 s), then at the guessed end (4.05 s).
    assert backend.request_counts()[LIST] == 2
    assert clock.sleeps == pytest.approx([1.01, 3.04])
    assert DurationFile(path, BASE_URL).load() == {"create_timeline": 2.0, "start_compute": 2.0}
    backend.log.clear()
    clock.sleeps.clear()
    with make_client(transport, durations=path) as second:  # the next run: a new process
        second.create_project(_spec().model_copy(update={"name": "shelf-2"}))
    assert backend.request_counts()[LIST] == 1  # aimed at the learned end of the chain
    assert POLL not in backend.request_counts()
    assert clock.sleeps == pytest.approx([4.01])


def test_a_project_this_client_created_has_no_history_to_read(neon: NeonClient, backend: NeonBackend) -> None:
    created = neon.create_project(_spec())
    neon.update_branch(created.project.id, created.branch.id, models.BranchUpdate(protected=True))
    counts = backend.request_counts()
    # No history read to learn from (the client saw the project's every operation): the two lists
    # are the chain's polls (at 2 s and 4 s); then one aimed poll for the protection.
    assert counts[LIST] == 2
    assert counts[POLL] == 1


def test_without_a_durations_file_nothing_is_written(
    backend: NeonBackend, clock: FakeClock, make_client: Callable[..., NeonClient], tmp_path: Path
) -> None:
    with make_client(EmulatorTransport(backend, sleep=clock.sleep)) as client:
        client.create_project(_spec())
    assert list(tmp_path.iterdir()) == []


def test_from_env_passes_the_durations_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEON_API_KEY", "k")
    path = tmp_path / "d.json"
    DurationFile(path, "https://console.neon.tech/api/v2").save({"apply_config": 0.5})
    with NeonClient.from_env(durations=path, transport=httpx.MockTransport(lambda _r: httpx.Response(500))) as c:
        assert c._waiter.estimates.estimate("apply_config") == 0.5
        assert c._waiter.estimates.estimate("never_seen") == 0.5  # the overall fallback
