"""What the migration commands run with: the data-safety context (stacks, Neon, reporter, clock,
command runner, database tools) plus the migration-specific database access, and how the
application runs Alembic (`AlembicCommand`, built by the CLI from `-- ALEMBIC...`, `--cwd`, `--url-env`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from pydantic import SecretStr

from infra.config import DevStack, StackSettings
from infra.masking import Masker
from infra.ops.migrations.alembic import DEFAULT_URL_ENV, AlembicCommand
from infra.ops.migrations.database import MigrationDatabase, PostgresMigrationDatabase
from infra.ops.migrations.driver import Driver
from infra.ops.reporter import Reporter
from infra.ops.safety.context import SafetyContext, default_context


@dataclass
class MigrationContext(SafetyContext):
    migrations: MigrationDatabase = field(default_factory=PostgresMigrationDatabase)

    def alembic(
        self, argv: Sequence[str], *, cwd: Path | None = None, url_env: str = DEFAULT_URL_ENV
    ) -> AlembicCommand:
        """How the application runs Alembic, run through this context's command runner."""
        return AlembicCommand(tuple(argv), cwd=cwd or self.cwd, url_env=url_env, runner=self.runner)

    def driver(self, command: AlembicCommand, url: SecretStr, masker: Masker) -> Driver:
        return Driver(command, url, self.clock, masker, self.reporter.step, self.reporter.output)


def migration_context(project_dir: Path, reporter: Reporter) -> MigrationContext:
    base = default_context(project_dir, reporter)
    return MigrationContext(**{f.name: getattr(base, f.name) for f in fields(base)})


def pg_major(settings: StackSettings) -> int:
    """The PostgreSQL major the stack runs: squawk's rules depend on it (fast defaults since 11)."""
    return settings.dev.pg_major if isinstance(settings, DevStack) else settings.neon.pg_version
