"""The emulator in server mode plus a temp copy of the project whose `pulumi` calls talk to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from neon_emulator import EmulatorServer, NeonBackend, PostgresBacking
from tests.support.pulumi_project import PulumiProject, require_pulumi

# Distinctive, so that a test can search state files and output for it.
E2E_API_KEY = "neon-e2e-key-7c41d9a0b2f3"


@dataclass
class NeonWorld:
    """A running emulator and a project copy deployed against it."""

    backend: NeonBackend
    server: EmulatorServer
    project: PulumiProject

    def request_total(self) -> int:
        return sum(self.backend.request_counts().values())

    def clear_requests(self) -> None:
        self.backend.log.clear()


def start_world(
    base: Path,
    *,
    plan: str = "scale",
    operation_seconds: float = 0.05,
    postgres: PostgresBacking | None = None,
    clock: Callable[[], float] = time.time,
) -> tuple[NeonBackend, EmulatorServer, PulumiProject]:
    """Start the emulator (seeded) and copy the project under `base`; the caller stops the server."""
    require_pulumi()
    backend = NeonBackend(plan=plan, operation_seconds=operation_seconds, clock=clock, seed=7, postgres=postgres)
    server = EmulatorServer(backend, host="127.0.0.1", port=0, api_key=E2E_API_KEY)
    server.start()
    project = PulumiProject.create(base, {"NEON_API_URL": server.base_url, "NEON_API_KEY": E2E_API_KEY})
    return backend, server, project


@contextmanager
def deployed_world(base: Path, stacks: tuple[str, ...] = ("staging", "production")) -> Iterator[NeonWorld]:
    """The given stacks deployed from the real stack files onto one emulator."""
    backend, server, project = start_world(base)
    try:
        for stack in stacks:
            project.init(stack)
            project.up(stack)
        yield NeonWorld(backend, server, project)
    finally:
        server.stop()
