"""The application's Alembic, run exactly as the caller gives it (`-- alembic -c ../app/alembic.ini`,
`-- poetry run alembic`...), in the caller's working directory and environment, with the database
URL in the variable the application's env.py reads. We only append the subcommand."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic import SecretStr

from infra.masking import Masker
from infra.ops.migrations.errors import MigrationError
from infra.ops.safety.runner import CommandRunner, SubprocessRunner, child_env

DEFAULT_URL_ENV: Final = "DATABASE_URL"
# Offline mode never connects: env.py gets a URL that names the dialect and nothing real.
OFFLINE_URL: Final = SecretStr("postgresql://migration-lint@offline.invalid/migration_lint")
SUBCOMMANDS: Final = frozenset({"upgrade", "downgrade", "history", "current", "stamp", "heads", "revision", "show"})
_TAIL_LINES: Final = 12


@dataclass(frozen=True)
class Captured:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class AlembicCommand:
    """How the application runs Alembic, without a subcommand; where; and which variable holds the URL."""

    argv: tuple[str, ...]
    cwd: Path | None = None
    url_env: str = DEFAULT_URL_ENV
    base_env: Mapping[str, str] | None = None
    runner: CommandRunner = field(default_factory=SubprocessRunner)

    def __post_init__(self) -> None:
        if not self.argv:
            raise MigrationError(
                "no Alembic command: give how your application runs Alembic after --, e.g. `-- alembic -c alembic.ini`"
            )
        given = SUBCOMMANDS.intersection(self.argv)
        if given:
            raise MigrationError(
                f"give the Alembic command without a subcommand (found {sorted(given)[0]!r} in `{self.shown}`)",
                hint="e.g. `-- alembic -c alembic.ini`: the command appends upgrade/downgrade itself",
            )

    @property
    def shown(self) -> str:
        return shlex.join(self.argv)

    def env(self, url: SecretStr) -> dict[str, str]:
        return child_env(url, self.base_env, url_env=self.url_env)

    def capture(self, args: Sequence[str], url: SecretStr = OFFLINE_URL) -> Captured:
        """Run with stdout and stderr kept apart (stdout is SQL or history; stderr is Alembic's log)."""
        argv = [*self.argv, *args]
        try:
            done = subprocess.run(
                argv,
                cwd=self.cwd,
                env=self.env(url),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                check=False,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
            raise MigrationError(
                f"cannot run `{shlex.join(argv)}`: {exc.strerror or exc}",
                hint=f"the command runs as given, in {self.cwd or Path.cwd()}, with your PATH: "
                "give the virtualenv's alembic (e.g. `-- .venv/bin/alembic`) or use --cwd",
            ) from None
        return Captured(done.returncode, done.stdout, done.stderr)

    def stream(self, args: Sequence[str], url: SecretStr, emit: Callable[[str], None], masker: Masker) -> int:
        """Run with the output relayed line by line (masked): upgrades and downgrades."""
        return self.runner([*self.argv, *args], env=self.env(url), cwd=self.cwd, emit=lambda line: emit(masker(line)))

    def failure(self, args: Sequence[str], run: Captured, masker: Masker, what: str) -> MigrationError:
        said = run.stderr.strip() or run.stdout.strip()  # Alembic prints its own `FAILED:` line on stdout
        tail = [masker(line) for line in said.splitlines()[-_TAIL_LINES:]]
        detail = "\n".join(f"  | {line}" for line in tail)
        return MigrationError(
            f"{what} failed: `{shlex.join([*self.argv, *args])}` exited with {run.code}"
            + (f"\n{detail}" if detail else ""),
            hint=f"it ran in {self.cwd or Path.cwd()} with {self.url_env} set; run it there yourself to see why",
        )


def history_paths(command: AlembicCommand, masker: Masker) -> list[Path]:
    """Every migration file, from `alembic history --verbose` (paths relative to the command's cwd)."""
    run = command.capture(["history", "--verbose"])
    if run.code != 0:
        raise command.failure(["history", "--verbose"], run, masker, "reading the migration history")
    base = command.cwd or Path.cwd()
    return [base / line.removeprefix("Path: ").strip() for line in run.stdout.splitlines() if line.startswith("Path: ")]


def render_upgrade_sql(command: AlembicCommand, start: str, masker: Masker) -> str:
    """One offline-mode rendering of every revision after `start` (a revision or `base`) up to head."""
    args = ["upgrade", f"{start}:head", "--sql"]
    run = command.capture(args)
    if run.code != 0:
        raise command.failure(args, run, masker, "rendering the migrations' SQL (Alembic offline mode)")
    return run.stdout
