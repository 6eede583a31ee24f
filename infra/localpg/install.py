"""Install the PostgreSQL server from Debian packages during onboarding (as root or with passwordless sudo).

Never called by unit tests with the real runner. Debian's `postgresql` package also creates and may start
its own `main` cluster on port 5432; ours lives in the repository on its own port, so the two coexist
(`infra.localpg.ports.next_free_port` picks another port when 5432 is taken).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from infra.localpg.binaries import PgBinaries, find_binaries, install_hint
from infra.localpg.errors import BinariesInstallError

__all__ = ["InstallPlan", "Progress", "Runner", "install_binaries", "plan_apt_install", "run_streaming"]

Progress = Callable[[str], None]
# Runs argv with extra environment, streaming each output line to progress; returns the exit code.
Runner = Callable[[Sequence[str], Mapping[str, str], Progress], int]

_APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}
_SUDO_CHECK_TIMEOUT_S = 10.0


class InstallPlan(BaseModel):
    """The commands that install the server package, in order."""

    model_config = ConfigDict(frozen=True)

    package: str
    commands: tuple[tuple[str, ...], ...]


def plan_apt_install(
    *, major: int | None, euid: int, sudo_works: bool, apt_get: str | None, platform: str
) -> InstallPlan:
    """Decide how to install, or raise `BinariesInstallError` with the manual fix."""
    hint = install_hint(platform=platform, major=major)
    if not platform.startswith("linux") or apt_get is None:
        raise BinariesInstallError(f"Cannot install PostgreSQL automatically here (no apt-get). Run: {hint}")
    if euid == 0:
        prefix: tuple[str, ...] = ()
    elif sudo_works:
        # sudo resets the environment, so the non-interactive flag goes through `env`.
        prefix = ("sudo", "-n", "env", *(f"{k}={v}" for k, v in _APT_ENV.items()))
    else:
        raise BinariesInstallError(
            "Installing PostgreSQL needs root and sudo asks for a password. "
            f"Run it yourself, then re-run onboarding: {hint}"
        )
    package = f"postgresql-{major}" if major else "postgresql"
    return InstallPlan(
        package=package,
        commands=(
            (*prefix, apt_get, "update"),
            (*prefix, apt_get, "install", "-y", "--no-install-recommends", package),
        ),
    )


def install_binaries(
    *,
    major: int | None = None,
    progress: Progress | None = None,
    runner: Runner | None = None,
    euid: int | None = None,
    platform: str = sys.platform,
    sudo_works: Callable[[], bool] | None = None,
    apt_get: str | None = None,
    finder: Callable[[], PgBinaries | None] | None = None,
) -> PgBinaries:
    """Return the installed binaries, installing the Debian package first if they are missing.

    The keyword arguments after `progress` exist for tests: they replace the process runner, the
    effective uid, the sudo check, the apt-get path and the binary search.
    """
    find = finder or (lambda: find_binaries(major=major))
    existing = find()
    if existing is not None:
        return existing
    say = progress or _print_stderr
    plan = plan_apt_install(
        major=major,
        euid=os.geteuid() if euid is None else euid,
        sudo_works=(sudo_works or _sudo_works)(),
        apt_get=apt_get if apt_get is not None else shutil.which("apt-get"),
        platform=platform,
    )
    run = runner or run_streaming
    for command in plan.commands:
        say(f"$ {' '.join(command)}")
        code = run(command, _APT_ENV, say)
        if code != 0:
            raise BinariesInstallError(
                f"`{' '.join(command)}` failed with exit code {code}; see its output above. "
                f"Fix the problem, or install by hand: {install_hint(platform=platform, major=major)}"
            )
    installed = find()
    if installed is None:
        raise BinariesInstallError(
            f"{plan.package} was installed but its server binaries were not found; "
            f"check `pg_config --bindir` and /usr/lib/postgresql/*/bin."
        )
    say(f"PostgreSQL {installed.major} server binaries: {installed.bindir}")
    return installed


def run_streaming(argv: Sequence[str], extra_env: Mapping[str, str], progress: Progress) -> int:
    """Run a command, passing each line of its combined output to `progress` as it arrives."""
    env = {**os.environ, **extra_env}
    with subprocess.Popen(
        list(argv),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as proc:
        for line in proc.stdout or ():
            progress(line.rstrip("\n"))
        return proc.wait()


def _sudo_works() -> bool:
    if shutil.which("sudo") is None:
        return False
    try:
        done = subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=_SUDO_CHECK_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _print_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
