"""Fixtures for end-to-end tests: staging and production deployed onto the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.neon_world import NeonWorld, deployed_world


@pytest.fixture(scope="module")
def neon_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeonWorld]:
    """Staging and production deployed from the real stack files onto one emulator."""
    with deployed_world(tmp_path_factory.mktemp("neon-world")) as world:
        yield world
