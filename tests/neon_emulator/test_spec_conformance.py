"""Every emulator response validates against the schema of the matching operation and status in Neon's
OpenAPI definition, and every route the emulator serves exists in that definition."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from neon_emulator import EmulatorTransport, FaultRule, NeonBackend
from neon_emulator.routes import ROUTES, template_of
from tests.neon_emulator.conftest import API_KEY, BASE_URL
from tests.neon_emulator.openapi import SPEC_PATH, SpecValidator, load_spec
from tests.support.clock import FakeClock

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason=f"Neon OpenAPI spec not found at {SPEC_PATH}")


class Recorder:
    """An httpx response hook: validates each response and remembers which routes/statuses it saw."""

    def __init__(self, validator: SpecValidator) -> None:
        self.validator = validator
        self.errors: list[str] = []
        self.seen: set[tuple[str, str, int]] = set()

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        path = request.url.path.removeprefix("/api/v2")
        self.errors += self.validator.errors(request.method, path, response.status_code, response.content)
        template = template_of(request.method, path) or path
        self.seen.add((request.method, template, response.status_code))


@pytest.fixture
def validator() -> SpecValidator:
    assert SPEC is not None
    return SpecValidator(SPEC)


@pytest.fixture
def recorder(validator: SpecValidator) -> Recorder:
    return Recorder(validator)


@pytest.fixture
def api(backend: NeonBackend, clock: FakeClock, recorder: Recorder) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=EmulatorTransport(backend, sleep=clock.sleep),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {API_KEY}"},
        event_hooks={"response": [recorder]},
    ) as http:
        yield http


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_routes__every_route_exists_in_the_spec_with_its_method_and_operation_id() -> None:
    assert SPEC is not None
    for route in ROUTES:
        operation = SPEC["paths"].get(route.template, {}).get(route.method.lower())
        assert operation is not None, f"{route.method} {route.template} is not in the spec"
        assert operation["operationId"] == route.operation_id


def test_flows__every_response_matches_its_schema(api: httpx.Client, clock: FakeClock, recorder: Recorder) -> None:
    _drive_all_routes(api, clock)
    assert recorder.errors == []
    served = {(method, template) for method, template, _ in recorder.seen}
    missing = {(route.method, route.template) for route in ROUTES} - served
    assert missing == set(), "routes not exercised by the flow"


def test_errors__match_general_error_schema(
    api: httpx.Client, clock: FakeClock, backend: NeonBackend, recorder: Recorder
) -> None:
    project = _ok(api.post("/projects", json={"project": {"store_passwords": False}}), 201)["project"]["id"]
    assert api.post(f"/projects/{project}/branches").status_code == 423
    clock.advance(60)
    main = _ok(api.get(f"/projects/{project}/branches"))["branches"][0]["id"]
    assert api.get("/projects/no-such-project").status_code == 404
    assert api.post("/projects", json={"project": {"pg_version": 13}}).status_code == 400
    assert api.post("/projects", json={"project": {"region_id": "mars-1"}}).status_code == 400
    assert api.post(f"/projects/{project}/branches", json={"branch": {"name": "main"}}).status_code == 409
    assert api.get(f"/projects/{project}/branches/{main}/roles/neondb_owner/reveal_password").status_code == 412
    assert api.get(f"/projects/{project}/branches/{main}/roles/nobody/reveal_password").status_code == 404
    assert api.delete(f"/projects/{project}/branches/{main}").status_code == 422
    backend.faults.add(FaultRule(kind="status", status=429, retry_after=1))
    assert api.get("/projects").status_code == 429
    backend.faults.add(FaultRule(kind="status", status=503))
    assert api.get(f"/projects/{project}").status_code == 503
    assert recorder.errors == []


def _drive_all_routes(api: httpx.Client, clock: FakeClock) -> None:
    _ok(api.get("/regions"))
    created = _ok(api.post("/projects", json={"project": {"name": "spec", "org_id": "org-spec-1"}}), 201)
    project = created["project"]["id"]
    main = created["branch"]["id"]
    _ok(api.get(f"/projects/{project}/operations/{created['operations'][0]['id']}"))
    clock.advance(60)
    _ok(api.get("/projects", params={"limit": 1, "search": "spec", "org_id": "org-spec-1"}))
    assert _ok(api.get("/projects/shared", params={"limit": 5, "timeout": 1000})) == {"projects": []}
    _ok(api.get(f"/projects/{project}"))
    _ok(api.patch(f"/projects/{project}", json={"project": {"history_retention_seconds": 3600}}))
    clock.advance(60)
    _ok(api.get(f"/projects/{project}/operations", params={"limit": 2}))
    _ok(
        api.get(
            f"/projects/{project}/connection_uri",
            params={"database_name": "neondb", "role_name": "neondb_owner"},
        )
    )
    branch_body = {
        "branch": {"name": "dev", "parent_id": main},
        "endpoints": [{"type": "read_write"}],
        "annotation_value": {"team": "data"},
    }
    dev = _ok(api.post(f"/projects/{project}/branches", json=branch_body), 201)["branch"]["id"]
    clock.advance(60)
    _ok(api.get(f"/projects/{project}/branches", params={"sort_by": "name", "sort_order": "asc", "limit": 1}))
    _ok(api.get(f"/projects/{project}/branches/count"))
    _ok(api.get(f"/projects/{project}/branches/{dev}"))
    _ok(api.patch(f"/projects/{project}/branches/{dev}", json={"branch": {"protected": True}}))
    clock.advance(60)
    _ok(api.patch(f"/projects/{project}/branches/{dev}", json={"branch": {"protected": False}}))
    clock.advance(60)
    _ok(api.get(f"/projects/{project}/branches/{dev}/endpoints"))
    base = f"/projects/{project}/branches/{dev}"
    _ok(api.post(f"{base}/roles", json={"role": {"name": "app"}}), 201)
    clock.advance(60)
    _ok(api.get(f"{base}/roles"))
    _ok(api.get(f"{base}/roles/app"))
    _ok(api.get(f"{base}/roles/app/reveal_password"))
    _ok(api.post(f"{base}/roles/app/reset_password"))
    clock.advance(60)
    _ok(api.post(f"{base}/databases", json={"database": {"name": "appdb", "owner_name": "app"}}), 201)
    clock.advance(60)
    _ok(api.get(f"{base}/databases"))
    _ok(api.get(f"{base}/databases/appdb"))
    _ok(api.patch(f"{base}/databases/appdb", json={"database": {"name": "appdb2", "owner_name": "neondb_owner"}}))
    clock.advance(60)
    _ok(api.delete(f"{base}/databases/appdb2"))
    clock.advance(60)
    _ok(api.delete(f"{base}/databases/appdb2"), 204)
    _ok(api.delete(f"{base}/roles/app"))
    clock.advance(60)
    _ok(api.delete(f"{base}/roles/app"), 204)
    read_only = {"endpoint": {"branch_id": dev, "type": "read_only", "name": "reader"}}
    endpoint = _ok(api.post(f"/projects/{project}/endpoints", json=read_only), 201)["endpoint"]["id"]
    clock.advance(60)
    _ok(api.get(f"/projects/{project}/endpoints"))
    _ok(api.get(f"/projects/{project}/endpoints/{endpoint}"))
    _ok(api.patch(f"/projects/{project}/endpoints/{endpoint}", json={"endpoint": {"suspend_timeout_seconds": 300}}))
    clock.advance(60)
    _ok(api.post(f"/projects/{project}/endpoints/{endpoint}/suspend"))
    clock.advance(60)
    _ok(api.post(f"/projects/{project}/endpoints/{endpoint}/start"))
    clock.advance(60)
    _ok(api.post(f"/projects/{project}/endpoints/{endpoint}/restart"))
    clock.advance(60)
    _ok(api.delete(f"/projects/{project}/endpoints/{endpoint}"))
    clock.advance(60)
    _ok(api.delete(f"/projects/{project}/endpoints/{endpoint}"), 204)
    _ok(api.post(f"{base}/restore", json={"source_branch_id": main}))
    clock.advance(60)
    _ok(api.post(f"{base}/set_as_default"))
    _ok(api.post(f"/projects/{project}/branches/{main}/set_as_default"))
    _ok(api.delete(base))
    clock.advance(60)
    _ok(api.delete(base), 204)
    _drive_snapshot_routes(api, clock, project, main)
    _ok(api.delete(f"/projects/{project}"))


def _drive_snapshot_routes(api: httpx.Client, clock: FakeClock, project: str, main: str) -> None:
    root = f"/projects/{project}/branches/{main}"
    schedule = [{"frequency": "daily", "hour": 3, "retention_seconds": 86_400}, {"frequency": "weekly", "day": 7}]
    assert _ok(api.put(f"{root}/backup_schedule", json={"schedule": schedule})) == {}
    assert _ok(api.get(f"{root}/backup_schedule")) == {"schedule": schedule}
    expires = datetime.fromtimestamp(clock.time() + 7200, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    snap = _ok(api.post(f"{root}/snapshot", params={"name": "manual", "expires_at": expires}))["snapshot"]["id"]
    clock.advance(2 * 86_400)
    listed = _ok(api.get(f"/projects/{project}/snapshots"))["snapshots"]
    assert [s["manual"] for s in listed] == [False]  # the manual one expired; one daily is left
    snap = _ok(api.post(f"{root}/snapshot"))["snapshot"]["id"]
    _ok(api.patch(f"/projects/{project}/snapshots/{snap}", json={"snapshot": {"name": "renamed"}}))
    body = {"name": "restored", "target_branch_id": main}
    restored = _ok(api.post(f"/projects/{project}/snapshots/{snap}/restore", json=body))["branch"]["id"]
    clock.advance(60)
    _ok(api.post(f"/projects/{project}/branches/{restored}/finalize_restore", json={"name": "main-old"}))
    clock.advance(60)
    _ok(api.delete(f"/projects/{project}/snapshots/{snap}"), 202)


def test_validator__rejects_invented_fields_and_bad_formats(validator: SpecValidator) -> None:
    """Guards the checks above against a validator that accepts anything."""
    role = {"branch_id": "br-x", "name": "a", "created_at": "2026-01-01T00:00:00Z", "updated_at": "yesterday"}
    body = json.dumps({"role": role, "extra": 1}).encode()
    errors = validator.errors("GET", "/projects/p/branches/br-x/roles/a", 200, body)
    assert any("date-time" in error for error in errors)
    assert any("'extra' was unexpected" in error for error in errors)
    assert validator.errors("GET", "/projects/p", 404, b'{"code": "X"}') != []
