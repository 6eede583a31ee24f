"""Where the toolchain lives: the repository, its virtualenv, the CLI cache and the state backend."""

from __future__ import annotations

import os
from pathlib import Path

# The CLI version `make setup` builds when no recent `pulumi` is on PATH. The Go module proxy serves
# github.com/pulumi/pulumi/pkg/v3 at this version (3.270.0, for one, is not served); PULUMI_VERSION
# picks another one where a proxy does not serve it.
PINNED_VERSION = os.environ.get("PULUMI_VERSION") or "3.274.1"

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
LOCAL_STATE_DIR = REPO_ROOT / ".pulumi-state"


def cache_root() -> Path:
    explicit = os.environ.get("WORKSHELF_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "workshelf-infra"


def cli_cache_dir(version: str = PINNED_VERSION) -> Path:
    return cache_root() / "pulumi" / f"v{version}"


def default_backend_url() -> str:
    """The git-ignored local state backend used when no other backend is chosen."""
    return f"file://{LOCAL_STATE_DIR}"
