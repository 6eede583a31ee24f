"""`migration-lint --stack STACK`: the lint of `lint.py`, started from the stack database's applied
revision and judged with its migration log and its `migrations.dropAfterDays`; or, with `--from REV`,
from that revision without touching the stack (its log is then not read)."""

from __future__ import annotations

from datetime import timedelta

from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.context import MigrationContext, pg_major
from infra.ops.migrations.contract import ContractPolicy
from infra.ops.migrations.findings import LintReport
from infra.ops.migrations.lint import LintRequest, lint
from infra.ops.times import at


def lint_stack(ctx: MigrationContext, stack: str, command: AlembicCommand, *, start: str | None = None) -> LintReport:
    settings = ctx.stack_settings(stack)
    masker = Masker()
    if start is None:
        outputs = ctx.stack_outputs(stack)
        masker.add_uri(outputs.database_url)
        ctx.reporter.step(f"reading {stack}'s applied revision and migration log")
        state = ctx.migrations.state(outputs.database_url)
        applied, log = state.applied, state.log
    else:
        applied, log = (start,), None
    policy = ContractPolicy(
        stack=stack, drop_after=timedelta(days=settings.migrations.drop_after_days), now=at(ctx.now()), log=log
    )
    ctx.reporter.step(f"rendering and linting the pending revisions: {command.shown}")
    request = LintRequest(command, applied, policy, pg_version=pg_major(settings), from_option=start is not None)
    return lint(request, masker)
