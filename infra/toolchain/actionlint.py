"""`python -m infra.toolchain.actionlint DIR`: lint GitHub Actions workflows with actionlint.

Uses an `actionlint` on PATH, else the pinned version from the cache outside the repository, built
once from the Go module proxy (no package registry ships it for us: the PyPI wrapper does not build
here). Exits with actionlint's status: 0 clean, 1 findings, 2+ could not lint.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from infra.errors import WorkshelfError
from infra.toolchain.paths import cache_root

VERSION: Final = "1.7.12"
MODULE: Final = "github.com/rhysd/actionlint/cmd/actionlint"


class ActionlintError(WorkshelfError):
    """actionlint is neither installed nor buildable; the message says what to do."""


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def cached_binary() -> Path:
    return cache_root() / "actionlint" / f"v{VERSION}" / "actionlint"


def build(target: Path, env: Mapping[str, str] | None = None) -> Path:
    """`go install` the pinned version into `target`'s directory (atomically: no half-built binary)."""
    base = dict(env if env is not None else os.environ)
    go = shutil.which("go", path=base.get("PATH"))
    if go is None:
        raise ActionlintError(
            "actionlint is not installed and Go is not available to build it: install Go >= 1.24 "
            f"(https://go.dev/doc/install) or actionlint itself (`go install {MODULE}@v{VERSION}`)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    say(f"building actionlint v{VERSION} from the Go module proxy (once; cached in {target.parent})")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        flags = " ".join(f for f in (base.get("GOFLAGS", ""), "-mod=mod") if f)
        done = subprocess.run(
            [go, "install", f"{MODULE}@v{VERSION}"],
            env={**base, "GOBIN": tmp, "GOFLAGS": flags, "CGO_ENABLED": "0"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = "\n".join(done.stdout.strip().splitlines()[-15:])
            raise ActionlintError(f"`go install {MODULE}@v{VERSION}` failed (exit {done.returncode}):\n{tail}")
        (Path(tmp) / "actionlint").replace(target)
    say(f"actionlint v{VERSION} ready ({time.monotonic() - started:.0f}s)")
    return target


def find_or_build(env: Mapping[str, str] | None = None) -> Path:
    base = env if env is not None else os.environ
    on_path = shutil.which("actionlint", path=base.get("PATH"))
    if on_path:
        return Path(on_path)
    cached = cached_binary()
    return cached if cached.exists() else build(cached, base)


def workflow_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def lint(directory: Path, binary: Path) -> int:
    files = workflow_files(directory)
    if not files:
        say(f"no workflow files in {directory}")
        return 0
    return subprocess.run([str(binary), *map(str, files)], check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0] if args else ".github/workflows")
    if not directory.is_dir():
        print(f"error: {directory} is not a directory of workflows", file=sys.stderr)
        return 2
    try:
        binary = find_or_build()
    except ActionlintError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code = lint(directory, binary)
    if code == 0:
        say(f"actionlint: {len(workflow_files(directory))} workflow file(s) in {directory} are clean")
    return code


if __name__ == "__main__":
    sys.exit(main())
