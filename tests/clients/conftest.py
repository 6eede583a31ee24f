"""Neon's own clients (npm: `neonctl`, `@neondatabase/api-client`) for tests against the emulator server.

The suite installs them itself with `npm ci` from the committed `package.json` + `package-lock.json`,
into `~/.cache/workshelf-infra/node/<hash of both files>/` (outside the repository; never node_modules
here), once per lock-file version. Without Node.js the tests skip locally and fail under `make test`
(WORKSHELF_REQUIRE_E2E=1), as a missing Pulumi CLI does.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.toolchain.paths import cache_root
from neon_emulator import EmulatorServer, NeonBackend
from tests.support.e2e import unavailable

HERE = Path(__file__).resolve().parent
MANIFESTS = ("package.json", "package-lock.json")
MIN_NODE = (20, 19)  # `neon` (the package behind neonctl 5) declares engines: node >= 20.19.0
API_KEY = "neon-clients-key-5d1c"
INSTALL_TIMEOUT = 900


@dataclass(frozen=True)
class NodeClients:
    node: str
    modules: Path

    @property
    def neonctl(self) -> list[str]:
        return [self.node, str(self.modules / "neonctl" / "bin" / "cli.js")]


def _node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("Node.js (node and npm) not found: install it (Debian/Ubuntu: sudo apt-get install nodejs npm)")
        raise AssertionError("unreachable")
    found = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major, minor = (int(part) for part in found.lstrip("v").split(".")[:2])
    if (major, minor) < MIN_NODE:
        unavailable(f"Node.js {found} is too old for neonctl 5: {MIN_NODE[0]}.{MIN_NODE[1]} or newer is needed")
    return node


def _digest() -> str:
    sha = hashlib.sha256()
    for name in MANIFESTS:
        sha.update((HERE / name).read_bytes())
    return sha.hexdigest()[:16]


def install_clients() -> Path:
    """`npm ci` into the cache once per lock file (guarded by a file lock); the node_modules directory."""
    root = cache_root() / "node"
    target = root / _digest()
    if (target / ".installed").is_file():
        return target / "node_modules"
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".installed").is_file():  # another run installed it while we waited
            return target / "node_modules"
        staging = Path(tempfile.mkdtemp(prefix=f"{target.name}-", dir=root))
        for name in MANIFESTS:
            shutil.copy2(HERE / name, staging / name)
        command = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        done = subprocess.run(
            command, cwd=staging, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            pytest.fail(f"npm ci of tests/clients/package-lock.json failed:\n{tail}")
        (staging / ".installed").write_text("npm ci\n")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target / "node_modules"


@pytest.fixture(scope="session")
def neon_clients() -> NodeClients:
    node = _node()
    return NodeClients(node, install_clients())


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    backend = NeonBackend(operation_seconds=0.05, seed=11)
    with EmulatorServer(backend, port=0, api_key=API_KEY) as server:
        yield server
