"""The machine as the dev commands see it: ports, PostgreSQL binaries, the native cluster, Docker.

One injectable bundle (`Host`) so the workflows' decisions are unit-tested with fakes, no sockets.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from infra.devdb.docker import DockerRunner, DockerStatus, detect_docker, run_docker_cli
from infra.devdb.native import NativeDatabase, NativeSpec, pick_binaries
from infra.localpg import ClusterStatus, PgBinaries, PortHolder, is_port_free, next_free_port, port_holder

__all__ = ["Host", "NativeHandle", "open_native", "run_docker"]

_DOCKER_TIMEOUT_S = 20.0


class NativeHandle(Protocol):
    """The native cluster operations the dev commands need (a `NativeDatabase` in real use)."""

    def status(self) -> ClusterStatus: ...

    def stop(self) -> ClusterStatus: ...

    def destroy(self) -> bool: ...

    def log_tail(self, n: int) -> list[str]: ...


class _NativeAdapter:
    def __init__(self, database: NativeDatabase) -> None:
        self._database = database

    def status(self) -> ClusterStatus:
        return self._database.status()

    def stop(self) -> ClusterStatus:
        return self._database.stop()

    def destroy(self) -> bool:
        return self._database.destroy()

    def log_tail(self, n: int) -> list[str]:
        return self._database.cluster.log_tail(n)


def open_native(spec: NativeSpec, binaries: PgBinaries) -> NativeHandle:
    return _NativeAdapter(NativeDatabase(spec, binaries))


def run_docker(argv: Sequence[str]) -> tuple[int, str]:
    return run_docker_cli(argv, dict(os.environ), _DOCKER_TIMEOUT_S)


@dataclass(frozen=True)
class Host:
    """Where the dev commands look at and act on the machine; every field is replaceable in tests."""

    detect_docker: Callable[[], DockerStatus] = field(default=detect_docker)
    find_binaries: Callable[[Path, int | None], PgBinaries | None] = field(default=pick_binaries)
    native: Callable[[NativeSpec, PgBinaries], NativeHandle] = field(default=open_native)
    docker: DockerRunner = field(default=run_docker)
    port_free: Callable[[int], bool] = field(default=is_port_free)
    port_holder: Callable[[int], PortHolder | None] = field(default=port_holder)
    next_free_port: Callable[[int], int | None] = field(default=next_free_port)
