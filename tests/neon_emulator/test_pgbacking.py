"""Real PostgreSQL backing (e2e): databases and roles are real, URIs connect, branches copy data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from neon_emulator import EmulatorTransport, NeonBackend, PostgresBacking
from tests.neon_emulator.conftest import API_KEY, BASE_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def api(backing: PostgresBacking) -> Iterator[httpx.Client]:
    backend = NeonBackend(operation_seconds=0, postgres=backing)
    with httpx.Client(
        transport=EmulatorTransport(backend),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {API_KEY}"},
    ) as client:
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _uri(created: dict[str, Any]) -> str:
    return str(created["connection_uris"][0]["connection_uri"])


def _physical_databases(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE '%.br-%'")}


def test_project_uri_connects_and_branch_copies_table_and_data(api: httpx.Client) -> None:
    created = _ok(api.post("/projects", json={"project": {"name": "pg"}}), 201)
    uri = _uri(created)
    assert "hostaddr=127.0.0.1" in uri
    assert "sslmode=disable" in uri
    assert created["endpoints"][0]["host"] in uri
    with psycopg.connect(uri) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
        conn.execute("INSERT INTO items VALUES (1, 'apple'), (2, 'pear')")

    branch = _ok(
        api.post(
            f"/projects/{created['project']['id']}/branches",
            json={"branch": {"name": "dev"}, "endpoints": [{"type": "read_write"}]},
        ),
        201,
    )

    with psycopg.connect(_uri(branch)) as conn:
        assert conn.execute("SELECT name FROM items ORDER BY id").fetchall() == [("apple",), ("pear",)]
        conn.execute("INSERT INTO items VALUES (3, 'plum')")  # the branch's role owns the copied table
    with psycopg.connect(uri) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (2,)


def test_branch_copy_falls_back_to_dump_when_parent_is_in_use(
    api: httpx.Client, backing: PostgresBacking, monkeypatch: pytest.MonkeyPatch
) -> None:
    dumps: list[str] = []
    original = backing._dump_restore

    def spy(source: str, target: str, *, schema_only: bool) -> None:
        dumps.append(source)
        original(source, target, schema_only=schema_only)

    monkeypatch.setattr(backing, "_dump_restore", spy)
    created = _ok(api.post("/projects", json={}), 201)
    with psycopg.connect(_uri(created), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (v int)")
        conn.execute("INSERT INTO t VALUES (42)")
        # The open connection makes CREATE DATABASE ... TEMPLATE impossible: pg_dump | psql is used.
        branch = _ok(
            api.post(f"/projects/{created['project']['id']}/branches", json={"endpoints": [{"type": "read_write"}]}),
            201,
        )
        with psycopg.connect(_uri(branch)) as child:
            assert child.execute("SELECT v FROM t").fetchone() == (42,)
    assert dumps == [f"neondb.{created['branch']['id']}"]


def test_schema_only_branch_has_tables_but_no_rows(api: httpx.Client) -> None:
    created = _ok(api.post("/projects", json={}), 201)
    with psycopg.connect(_uri(created)) as conn:
        conn.execute("CREATE TABLE secrets (v text)")
        conn.execute("INSERT INTO secrets VALUES ('classified')")
    body = {"branch": {"init_source": "schema-only"}, "endpoints": [{"type": "read_write"}]}
    branch = _ok(api.post(f"/projects/{created['project']['id']}/branches", json=body), 201)
    with psycopg.connect(_uri(branch)) as conn:
        assert conn.execute("SELECT count(*) FROM secrets").fetchone() == (0,)


def test_roles_and_databases_are_real_and_follow_api_changes(api: httpx.Client, postgres_dsn: str) -> None:
    created = _ok(api.post("/projects", json={}), 201)
    pid, bid = created["project"]["id"], created["branch"]["id"]
    base = f"/projects/{pid}/branches/{bid}"
    _ok(api.post(f"{base}/roles", json={"role": {"name": "app"}}), 201)
    _ok(api.post(f"{base}/databases", json={"database": {"name": "appdb", "owner_name": "app"}}), 201)
    params = {"database_name": "appdb", "role_name": "app"}
    uri = _ok(api.get(f"/projects/{pid}/connection_uri", params=params))["uri"]
    with psycopg.connect(uri) as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == (
            f"app.{bid}",
            f"appdb.{bid}",
        )

    _ok(api.post(f"{base}/roles/app/reset_password"))
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(uri).close()
    new_uri = _ok(api.get(f"/projects/{pid}/connection_uri", params=params))["uri"]
    psycopg.connect(new_uri).close()

    _ok(api.patch(f"{base}/databases/appdb", json={"database": {"name": "renamed"}}))
    assert f"renamed.{bid}" in _physical_databases(postgres_dsn)
    _ok(api.delete(f"{base}/databases/renamed"))
    _ok(api.delete(f"{base}/roles/app"))
    assert f"renamed.{bid}" not in _physical_databases(postgres_dsn)


def test_restore_recopies_parent_data_and_keeps_child_password(api: httpx.Client) -> None:
    created = _ok(api.post("/projects", json={}), 201)
    pid = created["project"]["id"]
    with psycopg.connect(_uri(created)) as conn:
        conn.execute("CREATE TABLE log (line text)")
    child = _ok(api.post(f"/projects/{pid}/branches", json={"endpoints": [{"type": "read_write"}]}), 201)
    with psycopg.connect(_uri(created)) as conn:
        conn.execute("INSERT INTO log VALUES ('after branching')")
    with psycopg.connect(_uri(child)) as conn:
        assert conn.execute("SELECT count(*) FROM log").fetchone() == (0,)

    _ok(
        api.post(
            f"/projects/{pid}/branches/{child['branch']['id']}/restore",
            json={"source_branch_id": created["branch"]["id"]},
        )
    )

    with psycopg.connect(_uri(child)) as conn:  # same URI: the child's password survived the reset
        assert conn.execute("SELECT line FROM log").fetchall() == [("after branching",)]


def test_delete_project_drops_its_databases(api: httpx.Client, postgres_dsn: str) -> None:
    created = _ok(api.post("/projects", json={}), 201)
    bid = created["branch"]["id"]
    assert f"neondb.{bid}" in _physical_databases(postgres_dsn)
    _ok(api.delete(f"/projects/{created['project']['id']}"))
    assert f"neondb.{bid}" not in _physical_databases(postgres_dsn)


def test_cli_with_postgres_dsn__uri_connects_and_dsn_is_never_printed(postgres_dsn: str) -> None:
    repo = Path(__file__).resolve().parents[2]
    command = [
        sys.executable,
        "-m",
        "neon_emulator",
        "--port",
        "0",
        "--operation-seconds",
        "0",
        "--postgres-dsn",
        postgres_dsn,
    ]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    process = subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip().removeprefix("neon-emulator listening on ")
        created = httpx.post(f"{base_url}/projects", json={}, headers={"Authorization": "Bearer k"}).json()
        with psycopg.connect(_uri(created)) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (f"neondb.{created['branch']['id']}",)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    password = dict(part.split("=", 1) for part in postgres_dsn.split())["password"]
    assert password not in stdout + stderr
    assert f"neondb.{created['branch']['id']}" not in _physical_databases(postgres_dsn)  # dropped on exit
