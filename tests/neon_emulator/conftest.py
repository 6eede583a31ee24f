"""Fixtures for the emulator's tests: a fake clock, a backend, an in-process client, and (for e2e
tests) a throwaway PostgreSQL server started once per session."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from neon_emulator import EmulatorTransport, NeonBackend, PostgresBacking
from tests.support.clock import FakeClock
from tests.support.ports import pick_free_port

BASE_URL = "http://neon.test/api/v2"
ADMIN_URL = "http://neon.test/_emulator"
API_KEY = "test-key"
OPERATION_SECONDS = 1.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend(clock: FakeClock) -> NeonBackend:
    return NeonBackend(plan="scale", operation_seconds=OPERATION_SECONDS, clock=clock.time, seed=0)


@pytest.fixture
def transport(backend: NeonBackend, clock: FakeClock) -> EmulatorTransport:
    return EmulatorTransport(backend, sleep=clock.sleep)


@pytest.fixture
def client(transport: EmulatorTransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=transport, base_url=BASE_URL, headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        yield http


@pytest.fixture
def admin(transport: EmulatorTransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=transport, base_url=ADMIN_URL) as http:
        yield http


@pytest.fixture
def backing(postgres_dsn: str) -> Iterator[PostgresBacking]:
    """The emulator's real-PostgreSQL backing; everything it made is dropped afterwards."""
    backing = PostgresBacking(postgres_dsn)
    yield backing
    backing.reset()


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A superuser DSN for a PostgreSQL server in a temporary directory (password auth, loopback)."""
    initdbs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdbs:
        pytest.skip("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb is missing)")
    bin_dir = Path(initdbs[-1]).parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="neon-emulator-pg-"))
    password = secrets.token_hex(16)
    pwfile = workdir / "pwfile"
    pwfile.write_text(password)
    if as_postgres:  # initdb and postgres refuse to run as root
        shutil.chown(workdir, "postgres")
        shutil.chown(pwfile, "postgres")
    pwfile.chmod(0o600)
    data, port = workdir / "data", pick_free_port()
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {workdir} -c fsync=off -c full_page_writes=off"
    pg_ctl = [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-w"]
    subprocess.run([*pg_ctl, "-l", str(workdir / "log"), "-o", options, "start"], check=True, capture_output=True)
    try:
        yield f"host=127.0.0.1 port={port} user=postgres password={password} dbname=postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], check=False, capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)
