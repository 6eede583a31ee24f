"""Fixtures for end-to-end tests: the emulator in server mode and temp copies of the project."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from neon_emulator import EmulatorServer, NeonBackend
from tests.support.pulumi_project import PulumiProject, require_pulumi

# Distinctive, so that a test can search state files and output for it.
E2E_API_KEY = "neon-e2e-key-7c41d9a0b2f3"


@dataclass
class NeonWorld:
    """A running emulator and a project copy whose `pulumi` calls talk to it."""

    backend: NeonBackend
    server: EmulatorServer
    project: PulumiProject

    def request_total(self) -> int:
        return sum(self.backend.request_counts().values())

    def clear_requests(self) -> None:
        self.backend.log.clear()


def start_world(base: Path, *, operation_seconds: float = 0.05) -> tuple[NeonBackend, EmulatorServer, PulumiProject]:
    require_pulumi()
    backend = NeonBackend(plan="scale", operation_seconds=operation_seconds, clock=time.time, seed=7)
    server = EmulatorServer(backend, host="127.0.0.1", port=0, api_key=E2E_API_KEY)
    server.start()
    project = PulumiProject.create(base, {"NEON_API_URL": server.base_url, "NEON_API_KEY": E2E_API_KEY})
    return backend, server, project


@pytest.fixture(scope="module")
def neon_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeonWorld]:
    """Staging and production deployed from the real stack files onto one emulator."""
    backend, server, project = start_world(tmp_path_factory.mktemp("neon-world"))
    try:
        for stack in ("staging", "production"):
            project.init(stack)
            project.up(stack)
        yield NeonWorld(backend, server, project)
    finally:
        server.stop()
