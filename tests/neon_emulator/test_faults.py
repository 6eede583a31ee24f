"""Fault injection through the backend, the admin API and the CLI syntax."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from neon_emulator import FaultRule, NeonBackend
from neon_emulator.cli import parse_fault_spec
from neon_emulator.operations import FAILURE_TEXT
from tests.neon_emulator.helpers import create_project, error_of, settle
from tests.support.clock import FakeClock


def test_status_fault__filtered_by_method_and_path_for_count_requests(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend
) -> None:
    project = create_project(client, clock)["project"]["id"]
    backend.faults.add(FaultRule(kind="status", status=423, count=2, method="POST", path="/projects/*/branches"))

    assert client.get(f"/projects/{project}/branches").status_code == 200  # other method: unaffected
    assert error_of(client.post(f"/projects/{project}/branches"))[:2] == (423, "LOCKED")
    assert client.post(f"/projects/{project}/branches").status_code == 423
    assert client.get(f"/projects/{project}/branches/count").json() == {"count": 1}  # not applied
    assert client.post(f"/projects/{project}/branches").status_code == 201
    assert backend.faults.active() == []


def test_status_fault__429_carries_retry_after(client: httpx.Client, backend: NeonBackend) -> None:
    backend.faults.add(FaultRule(kind="status", status=429, retry_after=2))
    response = client.get("/projects")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert error_of(response)[1] == "TOO_MANY_REQUESTS"


@pytest.mark.parametrize(("status", "code"), [(500, "INTERNAL_ERROR"), (503, "SERVICE_UNAVAILABLE")])
def test_status_fault__json_errors(client: httpx.Client, backend: NeonBackend, status: int, code: str) -> None:
    backend.faults.add(FaultRule(kind="status", status=status))
    assert error_of(client.get("/projects"))[:2] == (status, code)
    assert client.get("/projects").status_code == 200


def test_status_fault__502_is_an_html_proxy_page(client: httpx.Client, backend: NeonBackend) -> None:
    backend.faults.add(FaultRule(kind="status", status=502))
    response = client.post("/projects", json={})
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in response.text
    assert backend.request_counts() == {"POST /projects": 1}
    assert backend.snapshot() == []


def test_latency_fault__uses_injected_sleep(client: httpx.Client, clock: FakeClock, backend: NeonBackend) -> None:
    backend.faults.add(FaultRule(kind="latency", seconds=0.3, count=None, method="GET"))
    before = clock.time()

    client.get("/projects")
    client.get("/projects")
    client.post("/projects", json={})

    assert clock.sleeps == [0.3, 0.3]
    assert clock.time() == pytest.approx(before + 0.6)
    assert [entry.fault for entry in backend.request_log] == ["latency", "latency", None]


def test_drop_before__raises_remote_protocol_error_and_applies_nothing(
    client: httpx.Client, backend: NeonBackend
) -> None:
    backend.faults.add(FaultRule(kind="drop_before", method="POST", path="/projects"))

    with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response"):
        client.post("/projects", json={})

    assert client.get("/projects").json()["projects"] == []
    assert backend.request_log[0].status is None
    assert backend.request_log[0].fault == "drop_before"


def test_drop_after__applies_the_mutation_then_drops(client: httpx.Client, backend: NeonBackend) -> None:
    backend.faults.add(FaultRule(kind="drop_after", method="POST", path="/projects"))

    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/projects", json={"project": {"name": "ghost"}})

    assert [p["name"] for p in client.get("/projects").json()["projects"]] == ["ghost"]
    assert (backend.request_log[0].status, backend.request_log[0].fault) == (201, "drop_after")


def test_operation_failed__ends_failed_and_cancels_the_rest_of_its_chain(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend
) -> None:
    backend.faults.add(FaultRule(kind="operation_failed", count=1))
    created = client.post("/projects", json={}).json()
    project = created["project"]["id"]
    assert created["operations"][0]["status"] == "scheduling"  # failure shows once it has run

    settle(clock)

    failed, cancelled = (
        client.get(f"/projects/{project}/operations/{op['id']}").json()["operation"] for op in created["operations"]
    )
    assert (failed["status"], failed["error"], failed["failures_count"]) == ("failed", FAILURE_TEXT, 1)
    assert cancelled["status"] == "cancelled"
    assert "error" not in cancelled
    assert client.post(f"/projects/{project}/branches").status_code == 201  # failed is final: no lock


def test_operation_failed__path_filter_applies_to_creating_request(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend
) -> None:
    backend.faults.add(FaultRule(kind="operation_failed", path="/projects/*/branches"))
    project = create_project(client, clock)
    assert {
        op["status"] for op in client.get(f"/projects/{project['project']['id']}/operations").json()["operations"]
    } == {"finished"}

    created = client.post(f"/projects/{project['project']['id']}/branches").json()
    settle(clock)
    operation = client.get(f"/projects/{project['project']['id']}/operations/{created['operations'][0]['id']}")
    assert operation.json()["operation"]["status"] == "failed"


def test_fault_rule__validation() -> None:
    with pytest.raises(ValidationError, match="status faults answer one of"):
        FaultRule(kind="status", status=404)
    with pytest.raises(ValidationError, match="latency faults need seconds"):
        FaultRule(kind="latency")
    with pytest.raises(ValidationError, match="retry_after applies to 429"):
        FaultRule(kind="status", status=503, retry_after=1)


def test_faults__admin_api_add_list_clear(client: httpx.Client, admin: httpx.Client) -> None:
    added = admin.post("/faults", json={"kind": "status", "status": 503, "count": 2, "method": "GET"})
    assert added.status_code == 201
    assert added.json() == {
        "id": 1,
        "remaining": 2,
        "kind": "status",
        "status": 503,
        "count": 2,
        "method": "GET",
    }
    assert client.get("/projects").status_code == 503
    assert admin.get("/faults").json()["faults"][0]["remaining"] == 1
    assert admin.delete("/faults").json() == {"cleared": 1}
    assert client.get("/projects").status_code == 200


def test_faults__admin_api_rejects_bad_rules(admin: httpx.Client) -> None:
    response = admin.post("/faults", json={"kind": "status", "status": 418})
    assert response.status_code == 400
    assert "status faults answer one of" in response.json()["message"]
    assert admin.post("/faults", json={"kind": "explode"}).status_code == 400


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "423x2:POST:/projects/*/branches",
            FaultRule(kind="status", status=423, count=2, method="POST", path="/projects/*/branches"),
        ),
        ("429x1:retry_after=2", FaultRule(kind="status", status=429, count=1, retry_after=2)),
        ("502x1", FaultRule(kind="status", status=502)),
        ("500", FaultRule(kind="status", status=500)),
        ("503x*:GET", FaultRule(kind="status", status=503, count=None, method="GET")),
        ("latency=0.3", FaultRule(kind="latency", seconds=0.3, count=None)),
        ("latency=0.3x5:GET", FaultRule(kind="latency", seconds=0.3, count=5, method="GET")),
        ("drop_after:POST:/projects", FaultRule(kind="drop_after", method="POST", path="/projects")),
        ("drop_before", FaultRule(kind="drop_before")),
        ("op_failed x1", FaultRule(kind="operation_failed", count=1)),
        (
            "op_failedx3:/projects/*/branches",
            FaultRule(kind="operation_failed", count=3, path="/projects/*/branches"),
        ),
    ],
)
def test_parse_fault_spec(spec: str, expected: FaultRule) -> None:
    assert parse_fault_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("teapot", "unknown fault kind"),
        ("418x1", "status faults answer one of"),
        ("502:what", "cannot read 'what'"),
        ("429:colour=red", "unknown fault option 'colour'"),
        ("latency=fast", "could not convert string to float"),
    ],
)
def test_parse_fault_spec__rejects_malformed(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_fault_spec(spec)
