"""Applying pending revisions the way `migrate` does: one `upgrade <revision>` per revision, so that
each gets its own migration_log row (applied_at, duration, outcome), and the first failure stops."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.ops.migrations.driver import Driver
from infra.ops.migrations.log import LogEntry

GIT_TIMEOUT_SECONDS = 10


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
class Applied:
    entries: list[LogEntry]
    exit_code: int  # the failed upgrade's, else 0


def apply_pending(driver: Driver, revisions: Sequence[str], *, sha: str | None, backup_branch: str | None) -> Applied:
    """Upgrade to each revision in turn; one entry per attempt; stops after the first failure."""
    entries = []
    for revision in revisions:
        ran = driver.run("upgrade", revision)
        failed = ran.exit_code != 0
        error = f"exit {ran.exit_code}" + (f": {ran.error_line}" if ran.error_line else "")
        entries.append(
            LogEntry(
                revision=revision,
                direction="up",
                applied_at=ran.started,
                duration_ms=int(ran.seconds * 1000),
                outcome="failed" if failed else "ok",
                command=ran.command,
                git_sha=sha,
                error=error if failed else None,
                backup_branch=backup_branch,
            )
        )
        if failed:
            return Applied(entries, ran.exit_code)
    return Applied(entries, 0)
