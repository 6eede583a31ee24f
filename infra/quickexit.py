"""The processes the engine waits for end quickly: no last garbage collection, no interrupt traceback.

The engine waits for the program's process to exit before it reports the run, and for the
dynamic-provider process when it stops its plugins. At exit, Python collects every object still
alive; with the Pulumi SDK, pydantic and our modules loaded that alone takes ~80 ms per process (measured
by `make bench-cli ARGS=--phases`). `gc.freeze()` as the last exit handler moves them into the
permanent generation, which that collection skips. Nothing else changes: exit handlers run, modules
are torn down and the standard streams flushed; only objects left in reference cycles keep their
finalizers unrun, and the operating system reclaims their memory and descriptors either way (our
files are closed by `with` blocks, never by a finalizer).

The engine interrupts the program's process group (SIGINT; plugins run in their own groups, so a
terminal's Ctrl-C reaches only the CLI) when an update is cancelled, or as soon as it has failed,
sometimes while the program is still unwinding the registrations that failed. Python's default
handler turns that into a KeyboardInterrupt traceback from wherever the program was, and the CLI
printed it under the stack (a race that the faster shutdown above made frequent: tests/e2e saw it
after a refused create). The program has nothing to clean up (the engine keeps the state), so it
takes the signal's default action: it ends at once, silently.
"""

from __future__ import annotations

import atexit
import functools
import gc
import signal


@functools.cache
def skip_final_collection() -> None:
    """Freeze the heap when the process exits (registered once per process; exit handlers run
    last-in, first-out, so registering early makes it the last to run)."""
    atexit.register(gc.freeze)


def end_silently_on_interrupt() -> None:
    """SIGINT ends the process as the signal's default does, instead of raising KeyboardInterrupt."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    except ValueError:  # not the main thread: Python's own handling stays
        return
