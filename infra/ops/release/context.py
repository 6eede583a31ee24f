"""What a release runs with: the migration context (stacks, reporter, clock, runner, database tools,
the migration log, how the application runs Alembic) plus where release records are kept and the
application's git commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from infra.ops.migrations.apply import git_sha
from infra.ops.migrations.context import MigrationContext, migration_context
from infra.ops.release.record import PostgresReleaseLog, ReleaseLog
from infra.ops.reporter import Reporter


@dataclass
class ReleaseContext(MigrationContext):
    records: ReleaseLog = field(default_factory=PostgresReleaseLog)
    commit: Callable[[Path | None], str | None] = git_sha


def release_context(project_dir: Path, reporter: Reporter) -> ReleaseContext:
    base = migration_context(project_dir, reporter)
    return ReleaseContext(**{f.name: getattr(base, f.name) for f in fields(base)})
