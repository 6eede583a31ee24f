"""Dynamic providers for the provider-process tests: one whose create waits at a gate, one that probes.

The gated create starts a child process (as our providers start `pg_ctl` or `docker`), records the
child's pid, then waits until the test writes to the gate (a FIFO) and records that it finished. The
provider process unpickles them by reference, so they live in an importable module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pulumi.dynamic import CreateResult, ResourceProvider

CHILD = "import time; time.sleep(600)"


class GatedProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        log = Path(props["log"])
        child = subprocess.Popen([sys.executable, "-c", CHILD])  # our interpreter, fixed code
        with log.open("a") as out:
            out.write(f"started {child.pid}\n")
        with open(props["gate"], encoding="utf-8") as gate:  # blocks until the test opens it to write
            gate.read()
        with log.open("a") as out:
            out.write("done\n")
        return CreateResult("gated", {})


def release(gate: Path) -> None:
    """Let a waiting create go on; raises OSError (ENXIO) when no create waits at the gate."""
    fd = os.open(gate, os.O_WRONLY | os.O_NONBLOCK)
    os.close(fd)


class ProbeProvider(ResourceProvider):
    """Its create records what the provider process runs with: environment, directory, arguments, imports."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        seen = {"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv, "path": sys.path}
        Path(props["out"]).write_text(json.dumps(seen))
        return CreateResult("probe", {})
