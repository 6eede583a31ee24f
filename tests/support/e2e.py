"""What an end-to-end test does when a tool it needs is missing: skip locally, fail under `make test`."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(message: str) -> NoReturn:
    """`make test` (CI) sets WORKSHELF_REQUIRE_E2E=1: a missing tool is then a failure, not a skip."""
    if os.environ.get("WORKSHELF_REQUIRE_E2E") == "1":
        pytest.fail(message)
    pytest.skip(message)
