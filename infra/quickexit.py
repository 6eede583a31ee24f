"""The processes the engine waits for end without Python's last garbage collection.

The engine waits for the program's process to exit before it reports the run, and for the
dynamic-provider process when it stops its plugins. At exit, Python collects every object still
alive; with the Pulumi SDK, pydantic and our modules loaded that alone takes ~80 ms per process (measured
by `make bench-cli ARGS=--phases`). `gc.freeze()` as the last exit handler moves them into the
permanent generation, which that collection skips. Nothing else changes: exit handlers run, modules
are torn down and the standard streams flushed; only objects left in reference cycles keep their
finalizers unrun, and the operating system reclaims their memory and descriptors either way (our
files are closed by `with` blocks, never by a finalizer).
"""

from __future__ import annotations

import atexit
import functools
import gc


@functools.cache
def skip_final_collection() -> None:
    """Freeze the heap when the process exits (registered once per process; exit handlers run
    last-in, first-out, so registering early makes it the last to run)."""
    atexit.register(gc.freeze)
