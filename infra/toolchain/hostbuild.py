"""`make setup`: our Go language host (infra/toolchain/langhost/), built once per version of its sources.

The engine looks for the `python` language host and the dynamic-provider launcher next to the
resolved `pulumi` executable. So each build gets its own directory next to the CLI's,
`<cli cache>/host-<key>/`: the host binary, hard links to `pulumi` and upstream's exec helper (copies
where links are impossible), our dynamic-provider launcher (the `pulumi-resource-pulumi-python`
script of langhost/ and provider_launch.py, which hands the provider to a prewarmed process) and
upstream's launcher beside it as `pulumi-resource-pulumi-python.sdk`, which ours falls back to.
`.venv/bin/pulumi` execs that directory's `pulumi`. The key hashes the host's sources (the launcher's
included) and the SDK version it reports, so a clone always runs the host built from its own
sources, and clones at different versions never overwrite each other's.

The build reuses the Go module cache and build cache the CLI's build filled, with the same flags
(`scripts/build-pulumi-cli.sh`): offline and about a second when they are warm; about 30 s of
compiling on 2 cores with an empty build cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from infra.errors import WorkshelfError

SOURCES = Path(__file__).resolve().parent / "langhost"
HOST = "pulumi-language-python"
LAUNCHER = "pulumi-resource-pulumi-python"
# What must sit next to `pulumi` in the directory it runs from, besides the host: from the CLI's
# build (under the name given), and ours.
BUNDLED = {
    "pulumi": "pulumi",
    "pulumi-language-python-exec": "pulumi-language-python-exec",
    LAUNCHER: f"{LAUNCHER}.sdk",
}
OURS = (SOURCES / LAUNCHER, SOURCES.parent / "provider_launch.py")
_COMPLETE = ".complete"


class HostBuildError(WorkshelfError):
    """Our language host cannot be built (no Go, a failed build); the message says why."""


def source_key(sdk_version: str) -> str:
    """A hash of the host's sources (Go files, go.mod, go.sum) and the SDK version compiled in."""
    digest = hashlib.sha256(f"sdk {sdk_version}\n".encode())
    for path in sorted({*(p for p in SOURCES.iterdir() if p.is_file()), *OURS}):
        digest.update(f"{path.name} {path.stat().st_size}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def host_dir(cli_bin: Path, sdk_version: str) -> Path:
    """Where the host built from these sources lives, next to the CLI build in `cli_bin`."""
    return cli_bin.parent / f"host-{source_key(sdk_version)}"


def ensure_host(cli_bin: Path, sdk_version: str) -> tuple[Path, float | None]:
    """The directory `pulumi` runs from, and the build's duration (None when it was cached)."""
    target = host_dir(cli_bin, sdk_version)
    if (target / _COMPLETE).exists():
        return target, None
    started = time.monotonic()
    staging = target.with_name(f"{target.name}.tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        go_build(staging / HOST, sdk_version)
        for name, installed in BUNDLED.items():
            link_or_copy(cli_bin / name, staging / installed)
        for path in OURS:
            shutil.copy2(path, staging / path.name)
        (staging / _COMPLETE).touch()
        if target.exists() and not (target / _COMPLETE).exists():
            shutil.rmtree(target)  # an interrupted build's leftovers
        staging.rename(target)
    except OSError as exc:
        if not (target / _COMPLETE).exists():  # not a concurrent setup that finished first
            raise HostBuildError(f"installing the language host into {target} failed: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, time.monotonic() - started


def go_build(output: Path, sdk_version: str) -> None:
    """Compile with the CLI build's settings so its compiled packages are reused."""
    go = shutil.which("go")
    if go is None:
        raise HostBuildError("the language host is built with Go, and `go` is not on PATH")
    env = os.environ | {"CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly -buildvcs=false"}
    ldflags = f"-s -w -X main.sdkVersion={sdk_version}"
    command = [go, "build", "-trimpath", "-tags", "osusergo,grpcnotrace", "-ldflags", ldflags, "-o", str(output), "."]
    done = subprocess.run(command, cwd=SOURCES, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise HostBuildError(f"`go build` of the language host failed (exit {done.returncode}):\n{tail}")


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link (the CLI is ~120 MB; a symlink would make the engine look next to its target)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
