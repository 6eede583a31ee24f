"""Processes the engine waits for freeze their heap as the last exit handler (no final collection)."""

from __future__ import annotations

import subprocess
import sys

from infra.toolchain.paths import REPO_ROOT

PROBE = """
import atexit, gc
# Registered first, so it runs after skip_final_collection's handler: the heap must be frozen by then.
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
from infra.quickexit import skip_final_collection
skip_final_collection()
skip_final_collection()
print("handlers:", atexit._ncallbacks(), "frozen now:", gc.get_freeze_count() > 0)
"""


def test_skip_final_collection__freezes_the_heap_once_at_exit_only() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines() == ["handlers: 2 frozen now: False", "frozen at exit: True"]
