"""The native dev database: one `LocalCluster` plus the application's role and database.

The cluster's superuser password lives in a 0600 file next to the (git-ignored) data directory, so
`status`, `dev down` and a provider that lost its state can manage the cluster without Pulumi.
Whoever can read that file can read the data directory too: it protects nothing more than the data.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from infra.localpg import (
    AdminLogin,
    Change,
    ClusterState,
    ClusterStatus,
    CorruptedClusterError,
    ForeignDataDirError,
    LocalCluster,
    PgBinaries,
    locate_binaries,
    require_binaries,
)
from infra.localpg.datadir import MARKER_NAME, read_marker

ADMIN_USER = "workshelf_admin"


@dataclass(frozen=True)
class NativeSpec:
    data_dir: Path  # absolute
    port: int
    database: str
    role: str
    major: int | None = None  # preferred server major; any installed one works


@dataclass(frozen=True)
class EnsureResult:
    initialised: bool
    started: bool
    role: Change
    database: Change
    server_major: int


def pick_binaries(data_dir: Path, preferred_major: int | None) -> PgBinaries | None:
    """An existing cluster needs its own major; a new one prefers the configured major, else any."""
    found = locate_binaries()
    if (data_dir / MARKER_NAME).exists():
        with contextlib.suppress(OSError, ValueError):  # a damaged marker is reported by status()
            preferred_major = read_marker(data_dir).major
    return next((b for b in found if b.major == preferred_major), found[0] if found else None)


def admin_secret_path(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + ".admin-secret")


class NativeDatabase:
    """Idempotent lifecycle of the native dev database."""

    def __init__(self, spec: NativeSpec, binaries: PgBinaries | None = None) -> None:
        self.spec = spec
        self.binaries = binaries or pick_binaries(spec.data_dir, spec.major) or require_binaries()
        self._cluster: LocalCluster | None = None

    @property
    def cluster(self) -> LocalCluster:
        if self._cluster is None:
            self._cluster = LocalCluster(self.spec.data_dir, self.spec.port, self.binaries, admin=self._admin())
        return self._cluster

    def status(self) -> ClusterStatus:
        return self.cluster.status()

    def ensure_running(self, role_password: str) -> EnsureResult:
        """Initialise if absent, start if stopped (or on another port), then the role and database."""
        status = self.cluster.status()
        initialised = False
        if status.state is ClusterState.FOREIGN:
            raise ForeignDataDirError(
                f"{self.spec.data_dir} holds a PostgreSQL data directory this project did not create "
                f"({status.detail}). "
                "Move it away, or point workshelf-infra:dev.dataDir somewhere else; nothing was changed."
            )
        if status.state is ClusterState.CORRUPTED:
            raise CorruptedClusterError(
                f"{self.spec.data_dir} is damaged ({status.detail}). `make dev-reset` recreates it (its data is lost)."
            )
        if status.state is ClusterState.ABSENT:
            self._init()
            initialised = True
        elif status.state is ClusterState.RUNNING and status.port != self.spec.port:
            self.cluster.stop()
        started = self.cluster.status().state is not ClusterState.RUNNING
        self.cluster.start()
        role = self.cluster.ensure_role(self.spec.role, role_password, createdb=True)
        database = self.cluster.ensure_database(self.spec.database, self.spec.role)
        return EnsureResult(initialised, started, role, database, self.binaries.major)

    def stop(self) -> ClusterStatus:
        return self.cluster.stop()

    def destroy(self) -> bool:
        removed = self.cluster.destroy()
        admin_secret_path(self.spec.data_dir).unlink(missing_ok=True)
        return removed

    def _init(self) -> None:
        password = secrets.token_urlsafe(24)
        secret = admin_secret_path(self.spec.data_dir)
        secret.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password)
        self.cluster.init(ADMIN_USER, password)

    def _admin(self) -> AdminLogin | None:
        secret = admin_secret_path(self.spec.data_dir)
        if not secret.exists():
            return None
        return AdminLogin(user=ADMIN_USER, password=SecretStr(secret.read_text().strip()))
