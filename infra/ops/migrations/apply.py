"""Applying pending revisions the way `migrate` does: one `upgrade <revision>` per revision, so that
each gets its own migration_log row (applied_at, duration, outcome), and the first failure stops."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.log import LogEntry
from infra.ops.migrations.scripts import RevisionFile
from infra.ops.safety.secrets import Masker
from infra.ops.safety.times import Clock, Stopwatch, at

GIT_TIMEOUT_SECONDS = 10
_ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception|Failure|FAILED)\b")


def git_sha(cwd: Path | None, env: dict[str, str] | None = None) -> str | None:
    """The application's commit: GITHUB_SHA in a workflow, else `git rev-parse HEAD` where the command runs."""
    environ = os.environ if env is None else env
    if environ.get("GITHUB_SHA"):
        return environ["GITHUB_SHA"]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and sha else None


@dataclass(frozen=True)
class Applier:
    command: AlembicCommand
    url: SecretStr
    clock: Clock
    masker: Masker
    announce: Callable[[str], None]
    output: Callable[[str], None]
    backup_branch: str | None = None


def apply_pending(applier: Applier, pending: Sequence[RevisionFile], sha: str | None) -> list[LogEntry]:
    """Upgrade to each revision in turn; one entry per attempt; stops after the first failure."""
    entries = []
    for file in pending:
        entries.append(upgrade_one(applier, file.revision, sha))
        if entries[-1].outcome == "failed":
            break
    return entries


def upgrade_one(applier: Applier, revision: str, sha: str | None) -> LogEntry:
    args = ["upgrade", revision]
    applier.announce(f"alembic upgrade {revision}")
    said: list[str] = []

    def relay(line: str) -> None:
        # Keep the last exception line (`sqlalchemy.exc.ProgrammingError: ... does not exist`): a
        # traceback often ends with a line of background instead.
        if not said or _ERROR_LINE.match(line) or not _ERROR_LINE.match(said[0]):
            said[:] = [line] if line.strip() else said
        applier.output(line)

    started, watch = at(applier.clock.time()), Stopwatch(applier.clock)
    code = applier.command.stream(args, applier.url, relay, applier.masker)
    error = None if code == 0 else f"exit {code}" + (f": {said[0]}" if said else "")
    return LogEntry(
        revision=revision,
        direction="up",
        applied_at=started,
        duration_ms=int(watch.lap() * 1000),
        outcome="ok" if code == 0 else "failed",
        command=applier.masker(shlex.join([*applier.command.argv, *args])),
        git_sha=sha,
        error=error,
        backup_branch=applier.backup_branch,
    )
