"""The native dev database: one `LocalCluster` plus the application's role and database.

`NativeSpec` is what it needs to know, made from the stack settings in one place (`from_settings`): the
onboarding commands build it with the project directory, and the Pulumi resource's props *are* one
(its data directory stays relative in the state, resolved against the provider's working directory,
which is the project directory).

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
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from infra.config import DevSettings, key_name
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


class NativeSpec(BaseModel):
    """The native dev database: where its data lives, its port, database and role."""

    model_config = ConfigDict(frozen=True)

    data_dir: str = Field(min_length=1)  # relative: to the working directory (the project directory)
    port: int = Field(ge=1024, le=65535)  # the one source of the server's port: it is started with `-p`
    database: str = Field(min_length=1, max_length=63)
    role: str = Field(min_length=1, max_length=63)
    major: int | None = None  # preferred server major; any installed one works

    @classmethod
    def from_settings(cls, dev: DevSettings, project_dir: Path | None = None) -> Self:
        """From the stack file's `dev` section; `project_dir` makes the data directory absolute."""
        data_dir = str(project_dir / dev.data_dir) if project_dir is not None else dev.data_dir
        return cls(data_dir=data_dir, port=dev.port, database=dev.database, role=dev.role, major=dev.pg_major)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).absolute()


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
    if has_native_cluster(data_dir):
        with contextlib.suppress(OSError, ValueError):  # a damaged marker is reported by status()
            preferred_major = read_marker(data_dir).major
    return next((b for b in found if b.major == preferred_major), found[0] if found else None)


def has_native_cluster(data_dir: Path) -> bool:
    """Whether a cluster of ours (its marker) is in `data_dir`."""
    return (data_dir / MARKER_NAME).exists()


def admin_secret_path(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + ".admin-secret")


class NativeDatabase:
    """Idempotent lifecycle of the native dev database."""

    def __init__(self, spec: NativeSpec, binaries: PgBinaries | None = None) -> None:
        self.spec = spec
        self.data_dir = spec.data_path
        self.binaries = binaries or pick_binaries(self.data_dir, spec.major) or require_binaries()
        self._cluster: LocalCluster | None = None

    @property
    def cluster(self) -> LocalCluster:
        if self._cluster is None:
            self._cluster = LocalCluster(self.data_dir, self.spec.port, self.binaries, admin=self._admin())
        return self._cluster

    def status(self) -> ClusterStatus:
        return self.cluster.status()

    def ensure_running(self, role_password: str) -> EnsureResult:
        """Initialise if absent, start if stopped (or on another port), then the role and database."""
        status = self.cluster.status()
        initialised = False
        if status.state is ClusterState.FOREIGN:
            raise ForeignDataDirError(
                f"{self.data_dir} holds a PostgreSQL data directory this project did not create "
                f"({status.detail}). "
                f"Move it away, or point {key_name('dev', 'dataDir')} somewhere else; nothing was changed."
            )
        if status.state is ClusterState.CORRUPTED:
            raise CorruptedClusterError(
                f"{self.data_dir} is damaged ({status.detail}). `make dev-reset` recreates it (its data is lost)."
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
        admin_secret_path(self.data_dir).unlink(missing_ok=True)
        return removed

    def _init(self) -> None:
        password = secrets.token_urlsafe(24)
        secret = admin_secret_path(self.data_dir)
        secret.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password)
        self.cluster.init(ADMIN_USER, password)

    def _admin(self) -> AdminLogin | None:
        secret = admin_secret_path(self.data_dir)
        if not secret.exists():
            return None
        return AdminLogin(user=ADMIN_USER, password=SecretStr(secret.read_text().strip()))
