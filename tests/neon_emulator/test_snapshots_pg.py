"""Snapshots with real PostgreSQL behind the emulator (e2e): a snapshot holds a copy of the data, a restore
brings it back, expiry drops the copy. Scheduled snapshots are taken by advancing the fake clock."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest

from neon_emulator import NeonBackend, PostgresBacking
from tests.support.clock import FakeClock

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
DAY = 86_400


@pytest.fixture
def backend(clock: FakeClock, backing: PostgresBacking) -> NeonBackend:
    """The shared fixtures' in-process client, with real PostgreSQL behind the emulator."""
    return NeonBackend(operation_seconds=1, clock=clock.time, postgres=backing)


@pytest.fixture
def api(client: httpx.Client) -> httpx.Client:
    return client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _uri(api: httpx.Client, project_id: str, branch_id: str) -> str:
    params = {"branch_id": branch_id, "database_name": "neondb", "role_name": "neondb_owner"}
    return str(_ok(api.get(f"/projects/{project_id}/connection_uri", params=params))["uri"])


def _names(uri: str) -> list[str]:
    with psycopg.connect(uri) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM items ORDER BY id").fetchall()]


def _snapshot_databases(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE '%.snap-%'")}


def _project_with_items(api: httpx.Client, clock: FakeClock, *names: str) -> tuple[str, str]:
    """A project whose default database has a table `items` holding `names`: (project id, branch id)."""
    created = _ok(api.post("/projects", json={"project": {"name": "pg-snapshots"}}), 201)
    clock.advance(60)
    with psycopg.connect(created["connection_uris"][0]["connection_uri"]) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
        for number, name in enumerate(names, start=1):
            conn.execute("INSERT INTO items VALUES (%s, %s)", (number, name))
    return created["project"]["id"], created["branch"]["id"]


def test_scheduled_snapshot_restores_the_data_and_expires(
    api: httpx.Client, clock: FakeClock, postgres_dsn: str
) -> None:
    pid, main = _project_with_items(api, clock, "apple", "pear")
    schedule = {"schedule": [{"frequency": "daily", "hour": 3, "retention_seconds": 3 * DAY}]}
    _ok(api.put(f"/projects/{pid}/branches/{main}/backup_schedule", json=schedule))

    clock.advance(3 * 3600)  # past 03:00: the next request takes the daily snapshot
    (snapshot,) = _ok(api.get(f"/projects/{pid}/snapshots"))["snapshots"]
    assert snapshot["created_at"] == "2026-01-01T03:00:00Z"
    assert _snapshot_databases(postgres_dsn) == {f"neondb.{snapshot['id']}"}
    with psycopg.connect(_uri(api, pid, main)) as conn:
        conn.execute("DELETE FROM items WHERE id = 2")  # the accident
    assert _names(_uri(api, pid, main)) == ["apple"]

    body = {"target_branch_id": main, "finalize_restore": True}
    restored = _ok(api.post(f"/projects/{pid}/snapshots/{snapshot['id']}/restore", json=body))["branch"]
    clock.advance(60)
    assert restored["name"] == "main"
    assert _names(_uri(api, pid, restored["id"])) == ["apple", "pear"]
    with psycopg.connect(_uri(api, pid, restored["id"])) as conn:  # the restored role owns the table again
        conn.execute("INSERT INTO items VALUES (3, 'plum')")
    # The replaced branch is kept as it was; its compute moved, so it needs a new one to be read.
    _ok(api.post(f"/projects/{pid}/endpoints", json={"endpoint": {"branch_id": main, "type": "read_write"}}), 201)
    clock.advance(60)
    assert _names(_uri(api, pid, main)) == ["apple"]

    clock.advance(3 * DAY)
    remaining = [s["id"] for s in _ok(api.get(f"/projects/{pid}/snapshots"))["snapshots"]]
    assert snapshot["id"] not in remaining
    assert {f"neondb.{s}" for s in remaining} == _snapshot_databases(postgres_dsn)


def test_manual_snapshot_restored_for_inspection_then_deleted(
    api: httpx.Client, clock: FakeClock, postgres_dsn: str
) -> None:
    pid, main = _project_with_items(api, clock, "fig")
    snap = _ok(api.post(f"/projects/{pid}/branches/{main}/snapshot", params={"name": "before"}))["snapshot"]["id"]
    with psycopg.connect(_uri(api, pid, main)) as conn:
        conn.execute("DROP TABLE items")

    preview = _ok(api.post(f"/projects/{pid}/snapshots/{snap}/restore", json={"name": "inspect"}))["branch"]
    clock.advance(60)
    assert _names(_uri(api, pid, preview["id"])) == ["fig"]

    _ok(api.delete(f"/projects/{pid}/snapshots/{snap}"), 202)
    assert _snapshot_databases(postgres_dsn) == set()
    assert _names(_uri(api, pid, preview["id"])) == ["fig"]  # the restored branch is independent of it
