"""Snapshots and backup schedules: the schedule API, manual snapshots, scheduled ones on the fake clock,
expiry, restore to a new branch and finalize."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from neon_emulator import NeonBackend
from tests.neon_emulator.helpers import create_branch, create_project, error_of, settle
from tests.support.clock import FakeClock

DAY = 86_400


def _at(clock: FakeClock, seconds: float = 0) -> str:
    return datetime.fromtimestamp(clock.time() + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def project(client: httpx.Client, clock: FakeClock) -> dict[str, Any]:
    return create_project(client, clock, name="snaps")


def _root(project: dict[str, Any]) -> str:
    return f"/projects/{project['project']['id']}/branches/{project['branch']['id']}"


def _snapshots(client: httpx.Client, project: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/projects/{project['project']['id']}/snapshots")
    assert response.status_code == 200, response.text
    snapshots: list[dict[str, Any]] = response.json()["snapshots"]
    return snapshots


def _schedule(client: httpx.Client, project: dict[str, Any], *items: dict[str, Any]) -> httpx.Response:
    return client.put(f"{_root(project)}/backup_schedule", json={"schedule": list(items)})


# -- schedule --------------------------------------------------------------------------------------


def test_schedule__empty_by_default_then_as_set(client: httpx.Client, project: dict[str, Any]) -> None:
    assert client.get(f"{_root(project)}/backup_schedule").json() == {"schedule": []}
    items = [{"frequency": "daily", "hour": 2, "retention_seconds": 7 * DAY}, {"frequency": "monthly", "day": 1}]
    response = _schedule(client, project, *items)
    assert (response.status_code, response.json()) == (200, {})
    assert client.get(f"{_root(project)}/backup_schedule").json() == {"schedule": items}
    assert _schedule(client, project).status_code == 200
    assert client.get(f"{_root(project)}/backup_schedule").json() == {"schedule": []}


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"frequency": "fortnightly"}, "schedule.0.frequency"),
        ({"frequency": "daily", "hour": 24}, "schedule.0.hour"),
        ({"frequency": "daily", "hour": -1}, "schedule.0.hour"),
        ({"frequency": "monthly", "day": 0}, "schedule.0.day"),
        ({"frequency": "monthly", "day": 32}, "schedule.0.day"),
        ({"frequency": "yearly", "month": 13}, "schedule.0.month"),
        ({"frequency": "daily", "retention_seconds": 3599}, "schedule.0.retention_seconds"),
        ({"frequency": "weekly", "day": 8}, "a weekly entry's day is a day of the week"),
        ({"hour": 3}, "schedule.0.frequency"),
    ],
)
def test_schedule__out_of_range_items_are_400(
    client: httpx.Client, project: dict[str, Any], item: dict[str, Any], fragment: str
) -> None:
    status, code, message = error_of(_schedule(client, project, item))
    assert (status, code) == (400, "BAD_REQUEST")
    assert fragment in message


def test_schedule__refused_on_the_free_plan_and_on_child_branches(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend, project: dict[str, Any]
) -> None:
    child = create_branch(client, clock, project["project"]["id"], branch={"name": "child"})["branch"]["id"]
    status, _, message = error_of(
        client.put(
            f"/projects/{project['project']['id']}/branches/{child}/backup_schedule",
            json={"schedule": [{"frequency": "daily"}]},
        )
    )
    assert status == 422
    assert f"root branches only; branch {child} has parent {project['branch']['id']}" in message
    backend.configure(plan="free")
    status, code, message = error_of(_schedule(client, project, {"frequency": "daily"}))
    assert (status, code, message) == (422, "LIMIT_EXCEEDED", "backup schedules are not available on the free plan")


# -- manual snapshots ------------------------------------------------------------------------------


def test_snapshot__defaults_and_fields(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    response = client.post(f"{_root(project)}/snapshot")
    assert response.status_code == 200, response.text
    snapshot = response.json()["snapshot"]
    assert response.json()["operations"] == []
    assert snapshot["name"] == f"main@{_at(clock)}"
    assert snapshot["source_branch_id"] == project["branch"]["id"]
    assert snapshot["manual"] is True
    assert snapshot["created_at"] == snapshot["timestamp"] == _at(clock)
    assert "expires_at" not in snapshot
    assert snapshot["id"].startswith("snap-")
    assert _snapshots(client, project) == [snapshot]


def test_snapshot__at_a_past_point_and_expiring(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    point = _at(clock)
    clock.advance(600)
    params = {"timestamp": point, "name": "before-migration", "expires_at": _at(clock, 3600)}
    snapshot = client.post(f"{_root(project)}/snapshot", params=params).json()["snapshot"]
    assert (snapshot["timestamp"], snapshot["created_at"]) == (point, _at(clock))
    assert snapshot["expires_at"] == _at(clock, 3600)
    clock.advance(3600)
    assert _snapshots(client, project) == []


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"timestamp": "2026-01-01T00:00:00Z", "lsn": "0/1000000"}, "specify either timestamp or lsn, not both"),
        ({"timestamp": "2020-01-01T00:00:00Z"}, "is outside the history window"),
        ({"lsn": "1" * 300 + "/0"}, "invalid LSN"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "must be in the future"),
        ({"name": "a\nb"}, "control characters"),
    ],
)
def test_snapshot__bad_query_is_400(
    client: httpx.Client, project: dict[str, Any], params: dict[str, str], fragment: str
) -> None:
    status, _, message = error_of(client.post(f"{_root(project)}/snapshot", params=params))
    assert status == 400
    assert fragment in message


def test_snapshot__root_branches_only_and_free_plan_allows_one(
    client: httpx.Client, clock: FakeClock, backend: NeonBackend, project: dict[str, Any]
) -> None:
    pid = project["project"]["id"]
    child = create_branch(client, clock, pid, branch={"name": "child"})["branch"]["id"]
    assert client.post(f"/projects/{pid}/branches/{child}/snapshot").status_code == 422
    backend.configure(plan="free")
    assert client.post(f"{_root(project)}/snapshot").status_code == 200
    status, code, message = error_of(client.post(f"{_root(project)}/snapshot"))
    assert (status, code) == (422, "LIMIT_EXCEEDED")
    assert message == "the free plan allows at most 1 manual snapshots per project"


def test_snapshot__rename_change_expiry_and_delete(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    pid = project["project"]["id"]
    snap = client.post(f"{_root(project)}/snapshot").json()["snapshot"]["id"]
    body = {"snapshot": {"name": "kept", "expires_at": _at(clock, DAY)}}
    updated = client.patch(f"/projects/{pid}/snapshots/{snap}", json=body).json()["snapshot"]
    assert (updated["name"], updated["expires_at"]) == ("kept", _at(clock, DAY))
    cleared = client.patch(f"/projects/{pid}/snapshots/{snap}", json={"snapshot": {"expires_at": None}})
    assert "expires_at" not in cleared.json()["snapshot"]
    deleted = client.delete(f"/projects/{pid}/snapshots/{snap}")
    assert (deleted.status_code, deleted.json()) == (202, {"operations": []})
    assert _snapshots(client, project) == []
    assert error_of(client.delete(f"/projects/{pid}/snapshots/{snap}"))[:2] == (404, "NOT_FOUND")


# -- scheduled snapshots on the clock --------------------------------------------------------------


def test_schedule__daily_snapshot_taken_at_its_hour_and_expired_after_retention(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    # The fake clock starts at 2026-01-01T00:00Z; project creation settled one minute later.
    assert (
        _schedule(client, project, {"frequency": "daily", "hour": 3, "retention_seconds": 2 * DAY}).status_code == 200
    )
    clock.advance(3 * 3600 - 61)  # 02:59:59
    assert _snapshots(client, project) == []
    clock.advance(1)  # 03:00:00
    (first,) = _snapshots(client, project)
    assert (first["name"], first["manual"]) == ("main-daily-2026-01-01T03:00:00Z", False)
    assert (first["created_at"], first["expires_at"]) == ("2026-01-01T03:00:00Z", "2026-01-03T03:00:00Z")
    clock.advance(2 * DAY)  # 2026-01-03T03:00: a third daily snapshot, the first one expires
    assert [s["created_at"] for s in _snapshots(client, project)] == ["2026-01-02T03:00:00Z", "2026-01-03T03:00:00Z"]


def test_schedule__weekly_monthly_and_yearly_on_their_days(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    items = [
        {"frequency": "weekly", "day": 1, "hour": 1},  # Mondays
        {"frequency": "monthly", "day": 31},  # the last day of shorter months
        {"frequency": "yearly", "month": 2, "day": 29, "hour": 5},
    ]
    assert _schedule(client, project, *items).status_code == 200
    clock.advance(60 * DAY)  # to 2026-03-02T00:01, a Monday before 01:00
    assert [s["created_at"] for s in _snapshots(client, project)] == [
        "2026-01-05T01:00:00Z",
        "2026-01-12T01:00:00Z",
        "2026-01-19T01:00:00Z",
        "2026-01-26T01:00:00Z",
        "2026-01-31T00:00:00Z",
        "2026-02-02T01:00:00Z",
        "2026-02-09T01:00:00Z",
        "2026-02-16T01:00:00Z",
        "2026-02-23T01:00:00Z",
        "2026-02-28T00:00:00Z",
        "2026-02-28T05:00:00Z",  # February 29th does not exist in 2026
    ]


def test_schedule__moves_to_a_new_branch_only_from_now_on(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    clock.advance(DAY)
    assert _schedule(client, project, {"frequency": "hourly", "retention_seconds": 3600}).status_code == 200
    assert _snapshots(client, project) == []
    clock.advance(5 * 3600)
    assert len(_snapshots(client, project)) == 1  # hourly, kept one hour: only the latest remains


# -- restore ---------------------------------------------------------------------------------------


def _restore(client: httpx.Client, project: dict[str, Any], snap: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/projects/{project['project']['id']}/snapshots/{snap}/restore", json=body)
    assert response.status_code == 200, response.text
    restored: dict[str, Any] = response.json()
    return restored


def test_restore__new_branch_with_the_snapshot_contents_and_a_preview_compute(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    pid, main = project["project"]["id"], project["branch"]["id"]
    snap = client.post(f"{_root(project)}/snapshot").json()["snapshot"]["id"]
    client.post(f"{_root(project)}/databases", json={"database": {"name": "later", "owner_name": "neondb_owner"}})
    settle(clock)

    restored = _restore(client, project, snap, name="inspect")

    branch = restored["branch"]
    assert (branch["name"], branch["restore_status"], branch["restored_from"]) == ("inspect", "restored", snap)
    assert "parent_id" not in branch
    assert [e["type"] for e in restored["endpoints"]] == ["read_write"]
    assert [op["action"] for op in restored["operations"]] == ["create_branch", "start_compute"]
    settle(clock)
    databases = client.get(f"/projects/{pid}/branches/{branch['id']}/databases").json()["databases"]
    assert [d["name"] for d in databases] == ["neondb"]  # `later` came after the snapshot
    main_branch = client.get(f"/projects/{pid}/branches/{main}").json()["branch"]
    assert (main_branch["name"], main_branch["default"]) == ("main", True)


def test_finalize__swaps_names_default_protection_computes_and_schedule(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any]
) -> None:
    pid, main = project["project"]["id"], project["branch"]["id"]
    client.patch(f"/projects/{pid}/branches/{main}", json={"branch": {"protected": True}})
    _schedule(client, project, {"frequency": "daily"})
    settle(clock)
    endpoint = project["endpoints"][0]["id"]
    snap = client.post(f"{_root(project)}/snapshot").json()["snapshot"]["id"]
    restored = _restore(client, project, snap)["branch"]["id"]
    settle(clock)

    response = client.post(f"/projects/{pid}/branches/{restored}/finalize_restore", json={})
    assert response.status_code == 200, response.text
    actions = [op["action"] for op in response.json()["operations"]]
    assert actions == ["suspend_compute", "suspend_compute", "start_compute"]  # preview retired, compute restarted
    settle(clock)

    new = client.get(f"/projects/{pid}/branches/{restored}").json()["branch"]
    old = client.get(f"/projects/{pid}/branches/{main}").json()["branch"]
    assert (new["name"], new["default"], new["protected"], new["restore_status"]) == ("main", True, True, "finalized")
    assert new["restored_as"] == main
    assert (old["name"], old["default"], old["protected"]) == ("main (old)", False, False)
    assert client.get(f"/projects/{pid}/endpoints/{endpoint}").json()["endpoint"]["branch_id"] == restored
    assert client.get(f"/projects/{pid}/branches/{restored}/backup_schedule").json() == {
        "schedule": [{"frequency": "daily"}]
    }
    status, _, message = error_of(client.post(f"/projects/{pid}/branches/{restored}/finalize_restore"))
    assert status == 422
    assert "restore_status: finalized" in message


def test_restore__one_step_finalize_with_names(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    pid, main = project["project"]["id"], project["branch"]["id"]
    snap = client.post(f"{_root(project)}/snapshot").json()["snapshot"]["id"]
    restored = _restore(client, project, snap, target_branch_id=main, finalize_restore=True)
    assert restored["branch"]["name"] == "main"
    assert [e["id"] for e in restored["endpoints"]] == [project["endpoints"][0]["id"]]
    settle(clock)
    names = sorted(b["name"] for b in client.get(f"/projects/{pid}/branches").json()["branches"])
    assert names == ["main", "main (old)"]


def test_restore__refusals(client: httpx.Client, clock: FakeClock, project: dict[str, Any]) -> None:
    pid = project["project"]["id"]
    snap = client.post(f"{_root(project)}/snapshot").json()["snapshot"]["id"]
    assert error_of(client.post(f"/projects/{pid}/snapshots/snap-none-00000000/restore"))[0] == 404
    body = {"target_branch_id": "br-missing-00000000"}
    assert error_of(client.post(f"/projects/{pid}/snapshots/{snap}/restore", json=body))[0] == 404
    assert error_of(client.post(f"/projects/{pid}/snapshots/{snap}/restore", json={"name": "main"}))[0] == 409
    main = project["branch"]["id"]
    status, _, message = error_of(client.post(f"/projects/{pid}/branches/{main}/finalize_restore"))
    assert status == 422
    assert "restore_status: none" in message
