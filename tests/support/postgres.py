"""Session fixture `pg_cluster`: a throwaway native PostgreSQL (fsync off) on a free loopback port, with
`pg_stat_statements` preloaded where the server has it (as Neon does; `health` reads it).

Tests that use it are slow and need the server binaries: mark them `@pytest.mark.e2e`. It skips, with
the install command in the reason, where no binaries are installed (or, as root, no `postgres` user).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from infra.devdb.url import DatabaseUrl
from infra.localpg import (
    LocalCluster,
    LocalPgError,
    RunAsError,
    StartError,
    find_binaries,
    install_hint,
    resolve_run_as,
)
from infra.masking import mask_uri_passwords
from tests.support.ports import pick_free_port

SUPERUSER = "workshelf_test_admin"
_PORT_ATTEMPTS = 3


@dataclass(frozen=True, repr=False)
class PgClusterHandle:
    """A running throwaway cluster; its repr masks the password."""

    cluster: LocalCluster
    port: int
    superuser: str
    password: str
    stat_statements: bool = False  # pg_stat_statements is preloaded (its library was found)

    @property
    def admin_dsn(self) -> str:
        return self.dsn(user=self.superuser, password=self.password, database="postgres")

    def dsn(self, *, user: str, password: str, database: str) -> str:
        return DatabaseUrl(user=user, password=SecretStr(password), port=self.port, database=database).render()

    def __repr__(self) -> str:
        return f"PgClusterHandle({mask_uri_passwords(self.admin_dsn)})"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgClusterHandle]:
    binaries = find_binaries()
    if binaries is None:
        pytest.skip(f"PostgreSQL server binaries (initdb, pg_ctl, postgres...) not found; install: {install_hint()}")
    try:
        run_as = resolve_run_as()
    except RunAsError as exc:
        pytest.skip(str(exc))
    # Not pytest's tmp_path: its base directory is 0700 and pytest re-tightens it, while the server
    # user (when we are root) must be able to traverse every parent.
    base = Path(tempfile.mkdtemp(prefix="workshelf-pgtest-"))
    password = secrets.token_urlsafe(18)
    cluster = LocalCluster(base / "pgdata", pick_free_port(), binaries, run_as=run_as, fsync=False)
    try:
        cluster.init(SUPERUSER, password)
        cluster = _start_on_a_free_port(cluster, base, password)
        handle = PgClusterHandle(cluster=cluster, port=cluster.port, superuser=SUPERUSER, password=password)
        yield PgClusterHandle(
            cluster=cluster,
            port=cluster.port,
            superuser=SUPERUSER,
            password=password,
            stat_statements=_preload_stat_statements(handle),
        )
    finally:
        with contextlib.suppress(LocalPgError):
            cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


def _start_on_a_free_port(cluster: LocalCluster, base: Path, password: str) -> LocalCluster:
    """Start, trying another port if another process took ours between picking and binding."""
    for attempt in range(_PORT_ATTEMPTS):
        try:
            cluster.start(timeout=60)
            return cluster
        except StartError:
            if attempt == _PORT_ATTEMPTS - 1:
                raise
            cluster = LocalCluster(
                base / "pgdata", pick_free_port(), cluster.binaries, run_as=cluster.run_as, fsync=False
            )
            cluster.init(SUPERUSER, password)
    return cluster


def _preload_stat_statements(handle: PgClusterHandle) -> bool:
    """`shared_preload_libraries = 'pg_stat_statements'` and a restart, when the server ships the library."""
    pg_config = handle.cluster.binaries.tool("pg_config")
    if not pg_config.exists():
        return False
    libdir = subprocess.run([str(pg_config), "--pkglibdir"], capture_output=True, text=True, check=True).stdout.strip()
    if not any(Path(libdir).glob("pg_stat_statements.*")):
        return False
    with psycopg.connect(handle.admin_dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    handle.cluster.stop()
    handle.cluster.start(timeout=60)
    return True
