"""Client behaviour over MockTransport: pagination, waiting on mutations, per-project serialization."""

from __future__ import annotations

import threading
from types import TracebackType

import httpx
import pytest

from infra.neon import NeonClient, errors, models
from tests.neon import payloads
from tests.neon.conftest import Script, json_response
from tests.support.clock import FakeClock


def test_list_projects__follows_cursors_lazily(script: Script, mock_client: NeonClient) -> None:
    pages = {
        None: ([payloads.project("p1"), payloads.project("p2")], "c1"),
        "c1": ([payloads.project("p3"), payloads.project("p4")], "c2"),
        "c2": ([payloads.project("p5")], "c3"),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        items, cursor = pages[request.url.params.get("cursor")]
        return json_response(200, {"projects": items, "pagination": {"cursor": cursor}})

    script.on("GET", "/projects", handler)
    projects = mock_client.list_projects(search="p", page_size=2)
    assert next(projects).id == "p1"
    assert len(script.requests) == 1
    assert [p.id for p in projects] == ["p2", "p3", "p4", "p5"]
    assert [r.url.params.get("cursor") for r in script.requests] == [None, "c1", "c2"]
    assert all(r.url.params["limit"] == "2" and r.url.params["search"] == "p" for r in script.requests)


def test_list_branches__follows_pagination_next(script: Script, mock_client: NeonClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "n1":
            return json_response(200, {"branches": [payloads.branch("br-3", "c")], "pagination": {}})
        items = [payloads.branch("br-1", "a"), payloads.branch("br-2", "b")]
        return json_response(200, {"branches": items, "pagination": {"next": "n1"}})

    script.on("GET", "/projects/proj-1/branches", handler)
    assert [b.id for b in mock_client.list_branches("proj-1", page_size=2)] == ["br-1", "br-2", "br-3"]


def test_mutation__waits_for_its_operations(script: Script, mock_client: NeonClient, clock: FakeClock) -> None:
    running = payloads.operation("op-1", "running", "apply_config")
    script.on(
        "PATCH",
        "/projects/proj-1/branches/br-1",
        json_response(200, {"branch": payloads.branch(), "operations": [running]}),
    )
    script.on("GET", "/projects/proj-1/operations", json_response(200, {"operations": []}))
    poll = script.on(
        "GET",
        "/projects/proj-1/operations/op-1",
        json_response(200, {"operation": running}),
        json_response(200, {"operation": payloads.operation("op-1", "finished", "apply_config")}),
    )
    mock_client.update_branch("proj-1", "br-1", models.BranchUpdate(protected=True))
    assert poll.calls == 2
    assert script.requests[0].content == b'{"branch":{"protected":true}}'


def test_mutation__wait_false_returns_at_once(script: Script, mock_client: NeonClient) -> None:
    running = payloads.operation("op-1", "running", "apply_config")
    script.on(
        "PATCH",
        "/projects/proj-1/branches/br-1",
        json_response(200, {"branch": payloads.branch(), "operations": [running]}),
    )
    mock_client.update_branch("proj-1", "br-1", models.BranchUpdate(name="x"), wait=False)
    assert script.paths() == ["PATCH /projects/proj-1/branches/br-1"]


def test_mutation__operation_failure_is_raised(script: Script, mock_client: NeonClient) -> None:
    running = payloads.operation("op-9", "running", "create_timeline")
    failed = payloads.operation("op-9", "failed", "create_timeline", error="storage unavailable")
    script.on(
        "POST",
        "/projects/proj-1/branches",
        json_response(201, {"branch": payloads.branch("br-2", "dev"), "operations": [running]}),
    )
    script.on("GET", "/projects/proj-1/operations", json_response(200, {"operations": []}))
    script.on("GET", "/projects/proj-1/operations/op-9", json_response(200, {"operation": failed}))
    with pytest.raises(errors.OperationFailedError) as exc:
        mock_client.create_branch("proj-1", models.BranchCreate(name="dev"))
    assert str(exc.value) == "create_branch: Neon operation create_timeline (op-9) ended failed: storage unavailable"


def test_wait_for_operations__defaults_to_everything_in_flight(script: Script, mock_client: NeonClient) -> None:
    listing = [
        payloads.operation("op-2", "running", "start_compute"),
        payloads.operation("op-1", "finished", "create_timeline", duration_ms=1000),
    ]
    script.on("GET", "/projects/proj-1/operations", json_response(200, {"operations": listing}))
    script.on(
        "GET",
        "/projects/proj-1/operations/op-2",
        json_response(200, {"operation": payloads.operation("op-2", "finished", "start_compute")}),
    )
    done = mock_client.wait_for_operations("proj-1")
    assert [op.id for op in done] == ["op-2"]


def test_get_connection_uri__query_and_secret(script: Script, mock_client: NeonClient) -> None:
    script.on("GET", "/projects/proj-1/connection_uri", json_response(200, {"uri": "postgresql://a:pw-x@h/d"}))
    uri = mock_client.get_connection_uri("proj-1", database_name="d", role_name="a", pooled=True)
    assert uri.get_secret_value() == "postgresql://a:pw-x@h/d"
    assert "pw-x" not in repr(uri)
    assert dict(script.requests[0].url.params) == {"database_name": "d", "role_name": "a", "pooled": "true"}


class SpyLock:
    """An RLock that signals when a second thread has to wait for it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.contended = threading.Event()

    def __enter__(self) -> SpyLock:
        if not self._lock.acquire(blocking=False):
            self.contended.set()
            self._lock.acquire()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._lock.release()


def test_mutations_on_one_project_are_serialized(script: Script, mock_client: NeonClient) -> None:
    spy = SpyLock()
    mock_client._locks["proj-1"] = spy  # type: ignore[assignment]
    other: list[threading.Thread] = []
    running = payloads.operation("op-1", "running", "apply_config")

    def first_patch(_request: httpx.Request) -> httpx.Response:
        thread = threading.Thread(
            target=mock_client.update_branch, args=("proj-1", "br-2", models.BranchUpdate(name="second"))
        )
        other.append(thread)
        thread.start()
        assert spy.contended.wait(timeout=10), "the second mutation did not wait for the first"
        return json_response(200, {"branch": payloads.branch(), "operations": [running]})

    script.on("PATCH", "/projects/proj-1/branches/br-2", json_response(200, {"branch": payloads.branch("br-2")}))
    script.on("PATCH", "/projects/proj-1/branches/br-1", first_patch)
    script.on("GET", "/projects/proj-1/operations", json_response(200, {"operations": []}))
    script.on(
        "GET",
        "/projects/proj-1/operations/op-1",
        json_response(200, {"operation": payloads.operation("op-1", "finished", "apply_config")}),
    )
    mock_client.update_branch("proj-1", "br-1", models.BranchUpdate(name="first"))
    other[0].join(timeout=10)
    assert script.paths()[-2:] == [
        "GET /projects/proj-1/operations/op-1",
        "PATCH /projects/proj-1/branches/br-2",
    ]
