"""Find the PostgreSQL server binaries a native dev cluster needs, and say how to install them.

Search order: `pg_config --bindir`, then Debian's `/usr/lib/postgresql/<major>/bin` (highest major
first), then PATH (a directory holding `pg_ctl`, or the directory its symlink points to), then
Homebrew kegs (`postgresql@N` is keg-only, so it is usually not on PATH). A directory counts only if it
holds every tool in `REQUIRED_TOOLS`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.localpg.errors import BinariesNotFoundError

__all__ = [
    "DEBIAN_ROOT",
    "HOMEBREW_OPT_ROOTS",
    "REQUIRED_TOOLS",
    "PgBinaries",
    "find_binaries",
    "install_hint",
    "locate_binaries",
    "require_binaries",
]

REQUIRED_TOOLS = ("initdb", "pg_ctl", "postgres", "pg_isready", "psql", "pg_dump")
DEBIAN_ROOT = Path("/usr/lib/postgresql")
HOMEBREW_OPT_ROOTS = (Path("/opt/homebrew/opt"), Path("/usr/local/opt"))
# The Homebrew formula we recommend when nothing is installed on macOS.
RECOMMENDED_BREW_MAJOR = 17

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)|PostgreSQL\s+(\d+)")
_DEBIAN_BINDIR_RE = re.compile(r"/postgresql/(\d+)/bin$")
_TOOL_TIMEOUT_S = 10.0


class PgBinaries(BaseModel):
    """A directory holding one PostgreSQL major's server tools."""

    model_config = ConfigDict(frozen=True)

    bindir: Path
    major: int

    def tool(self, name: str) -> Path:
        return self.bindir / name

    @property
    def initdb(self) -> Path:
        return self.tool("initdb")

    @property
    def pg_ctl(self) -> Path:
        return self.tool("pg_ctl")

    @property
    def psql(self) -> Path:
        return self.tool("psql")


def find_binaries(
    *,
    major: int | None = None,
    path: str | None = None,
    debian_root: Path = DEBIAN_ROOT,
    homebrew_roots: Sequence[Path] = HOMEBREW_OPT_ROOTS,
) -> PgBinaries | None:
    """The first complete set of binaries in search order (of `major` if given), or None."""
    for found in locate_binaries(path=path, debian_root=debian_root, homebrew_roots=homebrew_roots):
        if major is None or found.major == major:
            return found
    return None


def require_binaries(
    *,
    major: int | None = None,
    path: str | None = None,
    debian_root: Path = DEBIAN_ROOT,
    homebrew_roots: Sequence[Path] = HOMEBREW_OPT_ROOTS,
    platform: str = sys.platform,
) -> PgBinaries:
    """Like `find_binaries`, but raise `BinariesNotFoundError` saying how to install them."""
    everything = locate_binaries(path=path, debian_root=debian_root, homebrew_roots=homebrew_roots)
    for found in everything:
        if major is None or found.major == major:
            return found
    if everything:
        others = ", ".join(f"PostgreSQL {b.major} at {b.bindir}" for b in everything)
        message = f"PostgreSQL {major} server binaries were requested but only found {others}."
    else:
        message = f"PostgreSQL server binaries ({', '.join(REQUIRED_TOOLS)}) were not found."
    raise BinariesNotFoundError(f"{message}\nFix: {install_hint(platform=platform, major=major)}")


def locate_binaries(
    *,
    path: str | None = None,
    debian_root: Path = DEBIAN_ROOT,
    homebrew_roots: Sequence[Path] = HOMEBREW_OPT_ROOTS,
) -> list[PgBinaries]:
    """Every complete set of binaries, in search order, without duplicates."""
    search_path = os.environ.get("PATH", "") if path is None else path
    seen: set[Path] = set()
    found: list[PgBinaries] = []
    for bindir, known_major in _candidate_dirs(search_path, debian_root, homebrew_roots):
        key = bindir.resolve()
        if key in seen or not _is_complete(bindir):
            continue
        seen.add(key)
        major = known_major if known_major is not None else _major_of(bindir)
        if major is not None:
            found.append(PgBinaries(bindir=bindir, major=major))
    return found


def install_hint(*, platform: str = sys.platform, major: int | None = None) -> str:
    """The one command a developer runs to get the server binaries on this platform."""
    if platform == "darwin":
        brew_major = major or RECOMMENDED_BREW_MAJOR
        return (
            f"brew install postgresql@{brew_major} (macOS/Homebrew; the keg-only formula is found under "
            f"$(brew --prefix)/opt/postgresql@{brew_major}/bin without linking it)"
        )
    package = f"postgresql-{major}" if major else "postgresql"
    return (
        f"sudo apt-get install {package} (Debian/Ubuntu; on other Linux distributions install the "
        "PostgreSQL server package), or on macOS: brew install "
        f"postgresql@{major or RECOMMENDED_BREW_MAJOR}"
    )


def _candidate_dirs(
    search_path: str, debian_root: Path, homebrew_roots: Sequence[Path]
) -> Iterator[tuple[Path, int | None]]:
    """(directory, major if its name tells it) in search order."""
    pg_config_dir = _pg_config_bindir(search_path)
    if pg_config_dir is not None:
        yield pg_config_dir, None
    yield from _versioned_dirs(debian_root, _debian_major)
    for entry in search_path.split(os.pathsep):
        pg_ctl = Path(entry) / "pg_ctl" if entry else None
        if pg_ctl is not None and pg_ctl.is_file():
            yield pg_ctl.parent, None
            # Homebrew and /usr/local symlink single tools; the real directory holds all of them.
            yield pg_ctl.resolve().parent, None
    for root in homebrew_roots:
        yield from _versioned_dirs(root, _brew_major)
        yield root / "postgresql" / "bin", None


def _versioned_dirs(root: Path, major_of_name: Callable[[str], int | None]) -> Iterator[tuple[Path, int | None]]:
    """`root/<name>/bin` for each child whose name gives a major, highest major first."""
    try:
        names = [child.name for child in root.iterdir() if child.is_dir()]
    except OSError:
        return
    versioned = [(major, name) for name in names if (major := major_of_name(name)) is not None]
    for major, name in sorted(versioned, reverse=True):
        yield root / name / "bin", major


def _debian_major(name: str) -> int | None:
    return int(name) if name.isdigit() else None


def _brew_major(name: str) -> int | None:
    match = re.fullmatch(r"postgresql@(\d+)", name)
    return int(match.group(1)) if match else None


def _is_complete(bindir: Path) -> bool:
    return all((bindir / tool).is_file() and os.access(bindir / tool, os.X_OK) for tool in REQUIRED_TOOLS)


def _major_of(bindir: Path) -> int | None:
    """Debian encodes the major in the path; elsewhere ask `pg_ctl --version`."""
    match = _DEBIAN_BINDIR_RE.search(bindir.as_posix())
    if match:
        return int(match.group(1))
    return _parse_major(_run_quietly([str(bindir / "pg_ctl"), "--version"]))


def _pg_config_bindir(search_path: str) -> Path | None:
    pg_config = shutil.which("pg_config", path=search_path)
    if pg_config is None:
        return None
    output = _run_quietly([pg_config, "--bindir"]).strip()
    return Path(output) if output else None


def _parse_major(version_text: str) -> int | None:
    match = _VERSION_RE.search(version_text)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def _run_quietly(argv: list[str]) -> str:
    """Stdout of a version/path query, or "" if the tool is broken: a bad candidate is skipped."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_TOOL_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""
