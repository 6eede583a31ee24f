"""No 500, no traceback, no corruption: every hostile input from issue 12 gets a 4xx in Neon's error shape."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from neon_emulator import NeonBackend
from tests.neon_emulator.helpers import create_branch, create_project, error_of
from tests.support.clock import FakeClock

YEAR_EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-00:01"]


@pytest.fixture
def project(client: httpx.Client, clock: FakeClock) -> dict[str, Any]:
    return create_project(client, clock, name="hostile")


def _pid(project: dict[str, Any]) -> str:
    return str(project["project"]["id"])


def _refused(response: httpx.Response, fragment: str, status: int = 400) -> None:
    got, _, message = error_of(response)
    assert (got, fragment in message) == (status, True), message


@pytest.mark.parametrize("moment", YEAR_EDGES)
def test_timestamps_at_the_year_bounds(client: httpx.Client, project: dict[str, Any], moment: str) -> None:
    pid, main = _pid(project), project["branch"]["id"]
    fragment = "timestamp is out of range once converted to UTC"
    _refused(client.post(f"/projects/{pid}/branches", json={"branch": {"parent_timestamp": moment}}), fragment)
    _refused(client.post(f"/projects/{pid}/branches", json={"branch": {"expires_at": moment}}), fragment)
    body = {"source_branch_id": main, "source_timestamp": moment, "preserve_under_name": "old"}
    _refused(client.post(f"/projects/{pid}/branches/{main}/restore", json=body), fragment)
    _refused(client.post(f"/projects/{pid}/branches/{main}/snapshot", params={"timestamp": moment}), fragment)


def test_lsns_beyond_64_bits(client: httpx.Client, project: dict[str, Any]) -> None:
    pid, main, huge = _pid(project), project["branch"]["id"], "9" * 300 + "/0"
    _refused(client.post(f"/projects/{pid}/branches", json={"branch": {"parent_lsn": huge}}), "invalid LSN")
    body = {"source_branch_id": main, "source_lsn": "0/" + "F" * 300, "preserve_under_name": "old"}
    _refused(client.post(f"/projects/{pid}/branches/{main}/restore", json=body), "invalid LSN")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"project": {"name": NaN}}', "NaN is not valid JSON"),
        (b'{"project": {"history_retention_seconds": Infinity}}', "Infinity is not valid JSON"),
        (b'{"project": {"history_retention_seconds": 1e999}}', "1e999 is out of range"),
        (b'{"project": ', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"", "a JSON body is required"),
        (b"[]", "invalid request body"),
    ],
)
def test_bodies_that_are_not_usable_json(client: httpx.Client, raw: bytes, fragment: str) -> None:
    headers = {"Content-Type": "application/json"}
    _refused(client.post("/projects", content=raw, headers=headers), fragment)
    assert client.get("/projects").json()["projects"] == []


def test_an_empty_object_still_creates_a_default_project(client: httpx.Client) -> None:
    assert client.post("/projects", json={}).status_code == 201


def test_megabytes_of_annotations_and_too_many(client: httpx.Client, project: dict[str, Any]) -> None:
    pid = _pid(project)
    big = {"annotation_value": {"k": "v" * (2 * 1024 * 1024)}}
    _refused(client.post(f"/projects/{pid}/branches", json=big), "larger than 1048576 bytes", status=413)
    many = {"annotation_value": {f"k{n}": "v" for n in range(51)}}
    _refused(client.post(f"/projects/{pid}/branches", json=many), "annotation_value")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"branch": {"protected": None}}, "protected must not be null"),
        ({"branch": {"name": None}}, "name must not be null"),
        ({"endpoints": None}, "endpoints must not be null"),
        ({"branch": {"name": "a\x00b"}}, "control characters"),
        ({"branch": {"name": "line\nbreak"}}, "control characters"),
        ({"branch": {"name": "../etc"}}, "'.' or '..' path segments"),
        ({"branch": {"name": "x" * 257}}, "at most 256 characters"),
    ],
)
def test_branch_create_refusals(
    client: httpx.Client, project: dict[str, Any], body: dict[str, Any], fragment: str
) -> None:
    _refused(client.post(f"/projects/{_pid(project)}/branches", json=body), fragment)


def test_names_of_roles_and_databases(client: httpx.Client, project: dict[str, Any]) -> None:
    base = f"/projects/{_pid(project)}/branches/{project['branch']['id']}"
    for name in ["a\x00b", "two\nlines", "../x", "x/../y"]:
        _refused(client.post(f"{base}/roles", json={"role": {"name": name}}), "role.name")
        _refused(
            client.post(f"{base}/databases", json={"database": {"name": name, "owner_name": "neondb_owner"}}),
            "database.name",
        )


def test_query_parameters_out_of_their_ranges(client: httpx.Client) -> None:
    _refused(client.get("/projects", params={"org_id": "Not An Org!"}), "org_id must match")
    _refused(client.get("/projects", params={"timeout": 30_001}), "timeout must be between 100 and 30000")
    _refused(client.get("/projects", params={"timeout": 99}), "timeout must be between 100 and 30000")
    _refused(client.get("/projects/shared", params={"timeout": "soon"}), "timeout must be an integer")
    _refused(client.post("/projects", json={"project": {"org_id": "ORG_1"}}), "project.org_id")


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "HEAD", "PUT", "BREW"])
def test_unsupported_methods_are_a_json_405(client: httpx.Client, project: dict[str, Any], method: str) -> None:
    response = client.request(method, f"/projects/{_pid(project)}")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    if method != "HEAD":
        assert error_of(response)[1] == "METHOD_NOT_ALLOWED"


def test_admin_seed_never_reissues_an_existing_id(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock, backend: NeonBackend
) -> None:
    first = create_project(client, clock, name="first")["project"]["id"]
    assert admin.post("/seed", json={"seed": 0}).status_code == 200  # the seed that made `first`
    second = create_project(client, clock, name="second")["project"]["id"]
    assert second != first
    names = {p["id"]: p["name"] for p in client.get("/projects").json()["projects"]}
    assert names == {first: "first", second: "second"}
    operations = [op.id for p in backend.snapshot() for op in p.operations]
    assert len(operations) == len(set(operations))


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/config", b'{"operation_seconds": Infinity}'),
        ("/config", b'{"operation_seconds": NaN}'),
        ("/config", b'{"operation_seconds": 1e999}'),
        ("/config", b'{"operation_seconds": 1e300}'),
        ("/faults", b'{"kind": "latency", "seconds": Infinity}'),
        ("/faults", b'{"kind": "status", "status": 429, "retry_after": NaN}'),
        ("/seed", b'{"seed": 1.5}'),
        ("/config", b"[" * 10_000),
    ],
)
def test_admin_refuses_non_finite_and_malformed_numbers(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock, path: str, raw: bytes
) -> None:
    response = admin.post(path, content=raw)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BAD_REQUEST"
    assert admin.get("/config").json()["operation_seconds"] == 1.0
    created = create_project(client, clock)  # later responses still carry real timestamps
    assert created["project"]["created_at"].startswith("2026-01-01T")
    assert json.dumps(created).count("NaN") == 0


def test_admin_wrong_method_on_a_known_path_is_405(admin: httpx.Client) -> None:
    response = admin.put("/config", json={})
    assert (response.status_code, response.headers["allow"]) == (405, "GET, POST")


def test_state_is_intact_after_the_refusals(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    pid = _pid(project)
    client.post(f"/projects/{pid}/branches", json={"branch": {"name": "a\x00b", "protected": True}})
    client.post(f"/projects/{pid}/branches", json={"branch": {"parent_lsn": "9" * 300 + "/0"}})
    create_branch(client, clock, pid, branch={"name": "ok"})
    names = sorted(b["name"] for b in client.get(f"/projects/{pid}/branches").json()["branches"])
    assert names == ["main", "ok"]
