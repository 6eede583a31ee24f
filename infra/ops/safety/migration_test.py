"""`migration-test`: upgrade head -> downgrade -1 -> upgrade head on a throwaway database (a Neon branch,
or a scratch database on dev), each step timed, and the schema after both upgrades compared."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, SecretStr

from infra.config import DevStack
from infra.masking import Masker
from infra.ops.neon.branches import throwaway_branch
from infra.ops.safety.context import SafetyContext
from infra.ops.safety.pg import database_of
from infra.ops.safety.runner import run_with_database
from infra.ops.safety.schema import schema_diff
from infra.ops.times import Stopwatch, at, stamp

BRANCH_PREFIX = "migration-test/"
SCRATCH_PREFIX = "migration_test"
STEPS: tuple[tuple[str, str], ...] = (("upgrade", "head"), ("downgrade", "-1"), ("upgrade", "head"))


class StepResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    exit_code: int
    seconds: float
    revision: str | None = None


class MigrationTestResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    database: str
    steps: list[StepResult]
    schema_diff: list[str]
    problems: list[str]
    cleaned_up: bool

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        lines = [f"migration test on {self.stack}, {self.database}:"]
        for number, step in enumerate(self.steps, 1):
            if step.exit_code == 0:
                status, revision = "ok", f"revision {step.revision or 'base'}"
            else:
                status, revision = f"FAILED (exit {step.exit_code})", ""
            lines.append(f"  {number}. alembic {step.name:<14} {status:<18} {step.seconds:7.2f}s  {revision}".rstrip())
        if self.schema_diff:
            lines.append("schema after the first upgrade (-) vs after the second (+):")
            lines += [f"  {line}" for line in self.schema_diff]
        lines += [f"problem: {p}" for p in self.problems]
        lines.append("result: " + ("PASSED" if self.ok else "FAILED"))
        return lines


def migration_test(ctx: SafetyContext, stack: str, alembic_args: Sequence[str]) -> MigrationTestResult:
    settings = ctx.stack_settings(stack)
    if isinstance(settings, DevStack):
        outputs = ctx.stack_outputs(stack)
        ctx.reporter.step(f"creating a scratch database next to {outputs.database} (dropped afterwards)")
        with ctx.database.scratch_database(outputs.database_url, SCRATCH_PREFIX) as url:
            where = f"scratch database {database_of(url)}"
            steps, diff, problems = _exercise(ctx, url, alembic_args, outputs.database_url)
        return MigrationTestResult(
            stack=stack, database=where, steps=steps, schema_diff=diff, problems=problems, cleaned_up=True
        )
    target, neon = ctx.neon_target(stack, "migration-test")
    now = ctx.now()
    name = f"{BRANCH_PREFIX}{stamp(at(now))}"
    ctx.reporter.step(f"creating throwaway branch {name} of {stack}'s default branch (deleted afterwards)")
    with neon, throwaway_branch(neon, target, name=name, now=now, reporter=ctx.reporter) as branch:
        steps, diff, problems = _exercise(ctx, branch.uri, alembic_args, target.outputs.database_url)
    if not branch.deleted:
        problems.append(f"branch {branch.branch.name} ({branch.branch.id}) could not be deleted")
    return MigrationTestResult(
        stack=stack,
        database=f"branch {branch.branch.name} ({branch.branch.id})",
        steps=steps,
        schema_diff=diff,
        problems=problems,
        cleaned_up=branch.deleted,
    )


def _exercise(
    ctx: SafetyContext, url: SecretStr, alembic_args: Sequence[str], stack_url: SecretStr
) -> tuple[list[StepResult], list[str], list[str]]:
    masker = Masker()
    masker.add_uri(url)
    masker.add_uri(stack_url)
    steps: list[StepResult] = []
    snapshots: list[list[str]] = []
    for verb, arg in STEPS:
        argv = [sys.executable, "-m", "alembic", *alembic_args, verb, arg]
        shown = masker(shlex.join([*alembic_args, verb, arg]))
        ctx.reporter.step(f"step {len(steps) + 1}/{len(STEPS)}: alembic {shown}")
        watch = Stopwatch(ctx.clock)
        code = run_with_database(ctx.runner, argv, database_url=url, cwd=ctx.cwd, emit=ctx.reporter.output, mask=masker)
        seconds = watch.lap()
        if code != 0:
            steps.append(StepResult(name=f"{verb} {arg}", exit_code=code, seconds=seconds))
            return steps, [], [f"step {len(steps)} (alembic {verb} {arg}) failed with exit code {code}"]
        revision = ctx.database.revision(url)
        steps.append(StepResult(name=f"{verb} {arg}", exit_code=0, seconds=seconds, revision=revision))
        if verb == "upgrade":
            snapshots.append(ctx.database.schema(url))
    return steps, *_compare(steps, snapshots)


def _compare(steps: list[StepResult], snapshots: list[list[str]]) -> tuple[list[str], list[str]]:
    problems = []
    first, down, second = steps
    if down.revision == first.revision:
        problems.append(f"downgrade -1 left the revision at {first.revision or 'base'}")
    if second.revision != first.revision:
        problems.append(f"the second upgrade reached {second.revision}, the first {first.revision}")
    diff = schema_diff(snapshots[0], snapshots[1], before_name="after upgrade 1", after_name="after upgrade 2")
    if diff:
        problems.append(
            "the schema after the second upgrade differs from the first: a downgrade does not reverse its upgrade"
        )
    return diff, problems
