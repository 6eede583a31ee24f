"""Processes the engine waits for freeze their heap as the last exit handler (no final collection)."""

from __future__ import annotations

import signal
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


INTERRUPTED = """
import os, signal, time
from infra.quickexit import end_silently_on_interrupt
end_silently_on_interrupt()
os.kill(os.getpid(), signal.SIGINT)
time.sleep(5)
print("still running")
"""


def test_end_silently_on_interrupt__sigint_ends_the_process_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED], cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (-signal.SIGINT, "", "")
