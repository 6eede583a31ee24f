"""The dependencies of the dev commands, and their real implementations (tests replace any of them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infra.localpg import LocalPgError, ProbeResult, ProbeTarget, install_binaries, probe, resolve_run_as
from infra.ops.dev import prereqs
from infra.ops.dev.host import Host
from infra.ops.dev.stack import PulumiFactory, default_pulumi
from infra.ops.pulumi import PulumiError, pulumi_binary

__all__ = ["OnboardDeps", "default_deps"]


@dataclass(frozen=True)
class OnboardDeps:
    """Everything the dev commands touch outside their own logic; `default_deps` gives the real ones."""

    pulumi: PulumiFactory
    host: Host
    install_binaries: prereqs.Installer
    probe: Callable[[ProbeTarget, float], ProbeResult]
    clock: Callable[[], float]
    python_version: tuple[int, ...]
    toolchain_problem: Callable[[], str | None]
    run_setup: Callable[[], int]
    run_as_problem: Callable[[], str | None]
    git_ignored: Callable[[Path], bool | None]
    which: Callable[[str], str | None]
    # Where the developer's overrides (WORKSHELF_DEV_PORT, ...) are read from, besides .env.
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)


def default_deps(project_dir: Path) -> OnboardDeps:
    return OnboardDeps(
        pulumi=default_pulumi(project_dir),
        host=Host(),
        install_binaries=lambda say: install_binaries(progress=say),
        probe=lambda target, timeout: probe(target, timeout=timeout),
        clock=time.monotonic,
        python_version=tuple(sys.version_info[:3]),
        toolchain_problem=lambda: prereqs.toolchain_problem(project_dir, _find_pulumi),
        run_setup=lambda: prereqs.run_setup(project_dir),
        run_as_problem=_run_as_problem,
        git_ignored=_git_ignored,
        which=shutil.which,
    )


def _find_pulumi() -> str | None:
    try:
        return pulumi_binary()
    except PulumiError:
        return None


def _run_as_problem() -> str | None:
    try:
        resolve_run_as()
    except LocalPgError as exc:
        return str(exc)
    return None


def _git_ignored(path: Path) -> bool | None:
    """Whether git ignores `path`; None outside a git work tree (or without git)."""
    try:
        done = subprocess.run(
            ["git", "check-ignore", "-q", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {0: True, 1: False}.get(done.returncode)
