"""Property-based (hypothesis): any sequence of requests, with any bodies, query strings and ids, on every
route. After each request: no 5xx, errors in Neon's shape, 2xx bodies valid against Neon's spec (when the
spec is present), and the state's invariants hold (one default branch per project, unique names, no
orphan parents or endpoints, plan limits, no expired snapshot left)."""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from neon_emulator import EmulatorTransport, NeonBackend
from neon_emulator.routes import ROUTES, Route, template_of
from tests.neon_emulator.conftest import ADMIN_URL, API_KEY, BASE_URL
from tests.neon_emulator.fuzz import BODIES, Ids, query_for, request_body
from tests.neon_emulator.openapi import SpecValidator, load_spec
from tests.support.clock import FakeClock

SPEC = load_spec()
VALIDATOR = SpecValidator(SPEC) if SPEC is not None else None
# `make test` runs 150 sequences (the e2e tier), `make check` a quick 20. A deeper local run:
# WORKSHELF_PROPERTY_EXAMPLES=2000 pytest tests/neon_emulator/test_properties.py -k full
EXAMPLES = int(os.environ.get("WORKSHELF_PROPERTY_EXAMPLES", "150"))
QUICK_EXAMPLES = 20
STEPS = 100
PARAM_KINDS = {
    "project_id": "project",
    "branch_id": "branch",
    "endpoint_id": "endpoint",
    "snapshot_id": "snapshot",
    "operation_id": "operation",
    "database_name": "database",
    "role_name": "role",
}
# Deleting a project ends most sequences early: drawn ten times less often than the other routes.
WEIGHTED_ROUTES = [route for route in ROUTES for _ in range(1 if route.operation_id == "deleteProject" else 10)]
SEEN: Counter[str] = Counter()  # operationId -> requests sent, over the whole run


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


class EmulatorMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.backend = NeonBackend(operation_seconds=1.0, clock=self.clock.time, seed=0)
        transport = EmulatorTransport(self.backend, sleep=self.clock.sleep)
        auth = {"Authorization": f"Bearer {API_KEY}"}
        self.api = httpx.Client(transport=transport, base_url=BASE_URL, headers=auth)
        self.admin = httpx.Client(transport=transport, base_url=ADMIN_URL)

    def teardown(self) -> None:
        self.api.close()
        self.admin.close()

    @initialize(plan=st.sampled_from(["free", "launch", "scale"]))
    def start(self, plan: str) -> None:
        self.backend.configure(plan=plan)
        for name in ("one", "two"):
            assert self.api.post("/projects", json={"project": {"name": name}}).status_code == 201
        self.clock.advance(60)

    def _ids(self, data: st.DataObject) -> Ids:
        """Ids of one project (drawn), and of its one branch (drawn) for databases and roles.

        Read from the live state (single-threaded here) rather than a deep copy, for speed."""
        projects = sorted(self.backend.projects.values(), key=lambda p: p.created_at)
        if not projects:
            return Ids({})
        project = data.draw(st.sampled_from(projects), label="project")
        branches = list(project.branches.values())
        branch = data.draw(st.sampled_from(branches), label="branch") if branches else None
        known = {
            "project": [project.id],
            "branch": [b.id for b in branches],
            "endpoint": list(project.endpoints),
            "snapshot": list(project.snapshots),
            "operation": [op.id for op in project.operations[-5:]],
            "database": list(branch.databases) if branch else [],
            "role": list(branch.roles) if branch else [],
        }
        if branch is not None:  # the branch databases and roles belong to comes first
            known["branch"] = [branch.id, *[b for b in known["branch"] if b != branch.id][:1]]
        known["names"] = known["database"] + known["role"]
        return Ids(known)

    @rule(data=st.data())
    def request(self, data: st.DataObject) -> None:
        if not self.backend.projects:  # everything was deleted: start over with one project
            assert self.api.post("/projects", json={}).status_code == 201
        route: Route = data.draw(st.sampled_from(WEIGHTED_ROUTES), label="route")
        ids = self._ids(data)
        path = route.template
        for name in route.pattern.groupindex:
            value = data.draw(ids.of(PARAM_KINDS[name]), label=name)
            path = path.replace("{" + name + "}", quote(value, safe=""))
        body = data.draw(request_body(route.operation_id, ids), label="body")
        query = data.draw(query_for(route.operation_id, ids), label="query")
        content = b"" if body is None else _encode(body)
        headers = {"Content-Type": "application/json"}
        response = self.api.request(route.method, path, params=query, content=content, headers=headers)
        SEEN[route.operation_id] += 1
        self._check(route, path, response)
        self.clock.advance(data.draw(st.sampled_from([0, 0.5, 2, 2, 60]), label="then wait"))

    def _check(self, route: Route, path: str, response: httpx.Response) -> None:
        assert response.status_code < 500, f"{route.method} {path}: {response.text}"
        if response.status_code >= 400:
            error = response.json()
            assert set(error) == {"code", "message", "request_id"}, error
            assert error["message"]
            assert "Traceback" not in error["message"]
        if VALIDATOR is not None:  # against the path actually sent (the client resolves `..` segments)
            sent = response.request.url.path.removeprefix("/api/v2")
            if template_of(route.method, sent) is not None:
                errors = VALIDATOR.errors(route.method, sent, response.status_code, response.content)
                assert errors == [], errors

    @rule(seconds=st.sampled_from([0.5, 1, 30, 3600, 86_400, 8 * 86_400]))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule(seed=st.integers(), operation_seconds=st.sampled_from([0, 1, 5, math.inf, math.nan, -1]))
    def admin(self, seed: int, operation_seconds: float) -> None:
        assert self.admin.post("/seed", json={"seed": seed}).status_code == 200
        response = self.admin.post("/config", content=_encode({"operation_seconds": operation_seconds}))
        assert response.status_code == (200 if 0 <= operation_seconds < math.inf else 400)

    @invariant()
    def state_is_consistent(self) -> None:
        self.backend.settle()
        projects = list(self.backend.projects.values())  # read live (no copy): nothing else runs meanwhile
        now = self.clock.time()
        all_ids = [p.id for p in projects]
        for project in projects:
            plan = self.backend.plan_for(project.org_id)
            branches = list(project.branches.values())
            assert sum(b.default for b in branches) == 1, "exactly one default branch"
            assert len({b.name for b in branches}) == len(branches), "branch names are unique"
            assert all(b.parent_id is None or b.parent_id in project.branches for b in branches), "orphan parent"
            assert len(branches) <= plan.max_branches
            assert sum(b.protected for b in branches) <= plan.max_protected_branches
            assert sum(s.manual for s in project.snapshots.values()) <= plan.max_manual_snapshots
            assert all(s.expires_at is None or s.expires_at > now for s in project.snapshots.values())
            for branch in branches:
                assert all(d.owner_name in branch.roles for d in branch.databases.values()), "database owner"
            writers = Counter(e.branch_id for e in project.endpoints.values() if e.type == "read_write")
            assert all(e.branch_id in project.branches for e in project.endpoints.values()), "orphan endpoint"
            assert max(writers.values(), default=0) <= 1, "one read_write endpoint per branch"
            all_ids += [b.id for b in branches] + list(project.endpoints) + list(project.snapshots)
        assert len(all_ids) == len(set(all_ids)), "ids are unique"


def _run(examples: int) -> str:
    SEEN.clear()
    run_state_machine_as_test(
        EmulatorMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    return f"property run: {examples} examples, {sum(SEEN.values())} requests over {len(SEEN)} routes"


def test_quick__any_request_sequence_keeps_the_emulator_sound() -> None:
    _run(QUICK_EXAMPLES)


@pytest.mark.e2e  # slow: the deep run belongs to `make test`
def test_full__any_request_sequence_keeps_the_emulator_sound(capsys: pytest.CaptureFixture[str]) -> None:
    summary = _run(EXAMPLES)
    unseen = {route.operation_id for route in ROUTES if route.operation_id != "deleteProject"} - set(SEEN)
    assert unseen == set(), "routes the property run never reached"
    with capsys.disabled():
        print(f"\n{summary}")


def test_every_route_with_a_body_has_a_body_strategy() -> None:
    """The fuzzer knows the request model of every route whose spec declares a JSON body."""
    if SPEC is None:
        pytest.skip("Neon OpenAPI spec not found")
    with_body = {
        route.operation_id
        for route in ROUTES
        if SPEC["paths"][route.template][route.method.lower()].get("requestBody") is not None
    }
    assert with_body == set(BODIES)
