"""The fixture the command tests share: the typer app wired to the in-process emulator (tests/support/safety.py)."""

from __future__ import annotations

import pytest

from infra.cli.console import ConsoleReporter
from tests.support.safety import Harness


@pytest.fixture
def cli(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    """The Neon-stack commands run against the harness's staging project, printing as the real CLI does."""
    harness.ctx.reporter = ConsoleReporter()
    monkeypatch.setattr("infra.cli.safety.context", lambda: harness.ctx)
    return harness
