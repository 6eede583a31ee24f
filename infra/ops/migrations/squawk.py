"""One squawk run over every revision's SQL (a file per revision), read through its JSON reporter.

squawk's exit code is not used: it is 1 for any finding. Output that is not a JSON list, or a
`syntax-error`, means the lint could not run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.sqlsplit import RevisionSql

CONFIG: Final = Path(__file__).with_name("squawk.toml")
TIMEOUT_SECONDS: Final = 120


class SquawkHit(BaseModel):
    """One entry of `squawk --reporter json`; `line` is 0-based."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    file: str
    line: int
    column: int = 0
    level: str
    message: str
    help: str | None = None
    rule_name: str


_HITS: Final = TypeAdapter(list[SquawkHit])


def squawk_binary() -> str:
    """The squawk that `squawk-cli` installed next to our Python (the virtualenv), else on PATH."""
    beside = Path(sys.executable).parent / "squawk"
    found = str(beside) if beside.exists() else shutil.which("squawk")
    if found is None:
        raise MigrationError("squawk is not installed", hint="run `make setup` (it installs squawk-cli, pinned)")
    return found


def run_squawk(chunks: Sequence[RevisionSql], *, pg_version: int) -> dict[str, list[SquawkHit]]:
    """squawk's findings per revision id."""
    if not chunks:
        return {}
    with tempfile.TemporaryDirectory(prefix="migration-lint-") as tmp:
        names: dict[str, str] = {}
        for index, chunk in enumerate(chunks):
            path = Path(tmp) / f"{index:04d}.sql"
            path.write_text(chunk.sql, encoding="utf-8")
            names[path.name] = chunk.revision
        argv = [squawk_binary(), "--reporter", "json", "-c", str(CONFIG), "--pg-version", f"{pg_version}.0"]
        env = {**os.environ, "SQUAWK_DISABLE_GITHUB_ANNOTATIONS": "1"}
        try:
            done = subprocess.run(
                [*argv, *sorted(names)],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MigrationError(f"squawk could not run: {exc}") from None
    hits = _parse(done.stdout, done.stderr)
    found: dict[str, list[SquawkHit]] = {chunk.revision: [] for chunk in chunks}
    for hit in hits:
        revision = names.get(Path(hit.file).name)
        if revision is None:
            raise MigrationError(f"squawk reported a file we did not give it: {hit.file}")
        if hit.rule_name == "syntax-error":
            raise MigrationError(
                f"revision {revision}: squawk cannot parse its SQL (line {hit.line + 1}): {hit.message}"
            )
        found[revision].append(hit)
    return found


def _parse(stdout: str, stderr: str) -> list[SquawkHit]:
    try:
        return _HITS.validate_json(stdout or "[]")
    except ValidationError:
        detail = (stderr.strip() or stdout.strip()).splitlines()[:3]
        raise MigrationError("squawk's output is not its JSON report: " + " / ".join(detail)) from None
