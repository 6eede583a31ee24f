"""Onboarding's prerequisites: Python, the set-up (virtualenv, Pulumi CLI), a database engine, a server user.

Each check explains a missing prerequisite in plain words with its fix. The set-up and the PostgreSQL
install are the long steps: their output streams to the developer as it comes.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.config import EngineRequest
from infra.devdb.docker import DockerStatus
from infra.devdb.engine import choose_engine
from infra.devdb.errors import EngineUnavailableError
from infra.localpg import BinariesInstallError, PgBinaries
from infra.ops.dev.errors import DevOpsError
from infra.ops.reporter import Reporter

__all__ = [
    "MIN_PYTHON",
    "Check",
    "failed_checks_message",
    "native_binaries",
    "python_check",
    "run_setup",
    "toolchain_problem",
]

MIN_PYTHON = (3, 11)
SETUP_COMMAND = ("bash", "scripts/setup.sh")
# Installs the server binaries, passing each output line to the callback; raises BinariesInstallError.
Installer = Callable[[Callable[[str], None]], PgBinaries]


class Check(BaseModel):
    """One prerequisite: found (with what), or missing (why, in plain words, and the fix)."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def line(self) -> str:
        if self.ok:
            return f"  ok       {self.name}: {self.detail}"
        return f"  missing  {self.name}: {self.detail}" + (f"\n           fix: {self.fix}" if self.fix else "")


def failed_checks_message(checks: list[Check]) -> str:
    missing = [check for check in checks if not check.ok]
    lines = [f"{len(missing)} prerequisite(s) missing:"]
    lines += [f"- {check.name}: {check.detail}" + (f"\n  Fix: {check.fix}" if check.fix else "") for check in missing]
    return "\n".join(lines)


def python_check(version: tuple[int, ...]) -> Check:
    shown = ".".join(map(str, version[:3]))
    if tuple(version[:2]) >= MIN_PYTHON:
        return Check(name="Python", ok=True, detail=shown)
    return Check(
        name="Python",
        ok=False,
        detail=f"this is Python {shown}; the project needs {'.'.join(map(str, MIN_PYTHON))} or newer",
        fix="install Python 3.11+ (Debian/Ubuntu: sudo apt-get install python3 python3-venv; "
        "macOS: brew install python@3.12), then `make onboard PYTHON=/path/to/python3.12`",
    )


def toolchain_problem(project_dir: Path, find_pulumi: Callable[[], str | None]) -> str | None:
    """Why `scripts/setup.sh` must run first, or None when the virtualenv and the Pulumi CLI are ready."""
    venv = project_dir / ".venv"
    if not (venv / "bin" / "python").exists():
        return "there is no virtualenv in .venv yet"
    stamp = venv / ".requirements.sha256"
    wanted = hashlib.sha256((project_dir / "requirements.txt").read_bytes()).hexdigest()
    try:
        current = stamp.read_text().strip()
    except OSError:
        current = ""
    if current != wanted:
        return "requirements.txt changed since the virtualenv was set up"
    if find_pulumi() is None:
        return "the Pulumi CLI is not installed"
    if not (project_dir / ".pulumi-state").is_dir():
        return "the local state backend (.pulumi-state) does not exist yet"
    return None


def run_setup(project_dir: Path) -> int:
    """Run `scripts/setup.sh` with its output on our stderr as it comes (stdout is for results)."""
    done = subprocess.run(SETUP_COMMAND, cwd=project_dir, stdout=2, stderr=2, stdin=subprocess.DEVNULL, check=False)
    return done.returncode


def native_binaries(
    requested: EngineRequest,
    docker: DockerStatus,
    found: PgBinaries | None,
    *,
    allow_install: bool,
    installer: Installer,
    report: Reporter,
) -> PgBinaries | None:
    """The native binaries to use: `found`, or freshly installed when the engine needs them and none exist.

    Installs only when Docker cannot be used (or native is requested) and `allow_install`; if the engine
    still cannot be chosen, raises DevOpsError explaining both fixes (Docker, or PostgreSQL).
    """
    needs_native = requested == "native" or (requested == "auto" and not docker.answers)
    if found is not None or not needs_native:
        return found
    if not allow_install:
        raise DevOpsError(
            _no_engine(requested, docker) + "\n(--no-install was given, so nothing was installed; without it, "
            "onboarding installs PostgreSQL itself on Debian/Ubuntu as root or with passwordless sudo.)"
        )
    report.step("no PostgreSQL server binaries: installing them (apt-get; this can take a minute or two)")
    try:
        return installer(report.note)
    except BinariesInstallError as exc:
        raise DevOpsError(f"{_no_engine(requested, docker)}\nAutomatic install was not possible: {exc}") from None


def engine_check(docker: DockerStatus, binaries: PgBinaries | None) -> Check:
    found = []
    if docker.answers:
        found.append(f"Docker ({docker.reason})")
    if binaries is not None:
        found.append(f"PostgreSQL {binaries.major} binaries at {binaries.bindir}")
    if found:
        return Check(name="database engine", ok=True, detail="; ".join(found))
    return Check(name="database engine", ok=False, detail=_no_engine("auto", docker))


def run_as_check(problem: str | None) -> Check:
    if problem is None:
        return Check(name="server user", ok=True, detail="PostgreSQL can run as an unprivileged user")
    return Check(name="server user", ok=False, detail=problem)


def _no_engine(requested: EngineRequest, docker: DockerStatus) -> str:
    try:
        choose_engine(requested, docker, None)
    except EngineUnavailableError as exc:
        return str(exc)
    return f"No database engine is available ({docker.reason})."
