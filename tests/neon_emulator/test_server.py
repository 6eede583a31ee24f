"""Server mode (e2e): the emulator on a real loopback socket, and `python -m neon_emulator`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from neon_emulator import EmulatorServer, FaultRule, NeonBackend

pytestmark = pytest.mark.e2e
REPO_ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": "Bearer server-key"}


@pytest.fixture
def backend() -> NeonBackend:
    return NeonBackend(operation_seconds=30)  # long enough that the 423 below is certain


@pytest.fixture
def server(backend: NeonBackend) -> Iterator[EmulatorServer]:
    with EmulatorServer(backend, port=0, api_key="server-key") as running:
        yield running


def test_server__urls_and_round_trip(server: EmulatorServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v2", server.base_url)
    assert server.admin_url == server.base_url.replace("/api/v2", "/_emulator")
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        created = client.post("/projects", json={"project": {"name": "socket"}})
        assert created.status_code == 201
        project = created.json()["project"]["id"]
        assert client.get(f"/projects/{project}").json()["project"]["name"] == "socket"
        assert client.get("/projects", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.post(f"/projects/{project}/branches").status_code == 423
    assert httpx.get(server.admin_url + "/requests").json()["total"] == 4


def test_server__drop_before_closes_socket_and_applies_nothing(server: EmulatorServer, backend: NeonBackend) -> None:
    backend.faults.add(FaultRule(kind="drop_before", method="POST", path="/projects"))
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/projects", json={})
        assert client.get("/projects").json()["projects"] == []


def test_server__drop_after_applies_then_closes_socket(server: EmulatorServer, backend: NeonBackend) -> None:
    backend.faults.add(FaultRule(kind="drop_after", method="POST", path="/projects"))
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/projects", json={"project": {"name": "applied"}})
        assert [p["name"] for p in client.get("/projects").json()["projects"]] == ["applied"]


def test_server__502_html_and_latency(server: EmulatorServer) -> None:
    httpx.post(server.admin_url + "/faults", json={"kind": "status", "status": 502})
    httpx.post(server.admin_url + "/faults", json={"kind": "latency", "seconds": 0.2, "method": "PATCH"})
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        response = client.get("/projects")
        assert response.status_code == 502
        assert response.headers["content-type"] == "text/html"
        started = time.monotonic()
        client.patch("/projects/whatever-project-1", json={"project": {}})
        assert time.monotonic() - started >= 0.2


def test_server__concurrent_requests_are_serialised_safely(server: EmulatorServer) -> None:
    ids: list[str] = []

    def create() -> None:
        with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
            for _ in range(5):
                ids.append(client.post("/projects", json={}).json()["project"]["id"])

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == len(set(ids)) == 30


def test_cli__prints_banner_serves_and_stops_on_sigterm() -> None:
    command = [
        sys.executable,
        "-m",
        "neon_emulator",
        "--port",
        "0",
        "--api-key",
        "cli-secret",
        "--plan",
        "launch",
        "--operation-seconds",
        "0",
        "--seed",
        "9",
        "--fault",
        "503x1:GET:/projects",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline().strip()
        match = re.fullmatch(r"neon-emulator listening on (http://127\.0\.0\.1:\d+/api/v2)", banner)
        assert match, banner
        with httpx.Client(base_url=match[1], headers={"Authorization": "Bearer cli-secret"}) as client:
            assert client.get("/projects").status_code == 503  # the --fault
            created = client.post("/projects", json={}).json()
            assert created["project"]["history_retention_seconds"] == 86_400  # launch default
            assert created["operations"][0]["status"] == "finished"
            assert client.get("/projects", headers={"Authorization": "Bearer other"}).status_code == 401
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "cli-secret" not in banner + stdout + stderr


def test_cli__rejects_a_malformed_fault() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "neon_emulator", "--fault", "teapot"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown fault kind 'teapot'" in result.stderr


def test_server__stop_closes_keep_alive_connections(backend: NeonBackend) -> None:
    server = EmulatorServer(backend).start()
    with httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        assert client.get("/projects").status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/projects")
