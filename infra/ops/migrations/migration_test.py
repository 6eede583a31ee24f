"""`migration-test`: every pending revision upgraded, downgraded one step and upgraded again
(`roundtrip.py`), on the data the migrations will meet: a throwaway branch of a Neon stack's default
branch, or on dev a scratch database brought to the dev database's revision and loaded with `--seed`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from infra.config import DevStack
from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.context import MigrationContext
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.lint import load_history, start_revision
from infra.ops.migrations.roundtrip import Exercise, RoundTripReport, round_trip
from infra.ops.migrations.scripts import ScriptHistory
from infra.ops.migrations.trip_output import trip_lines
from infra.ops.neon.branches import throwaway_branch
from infra.ops.safety.pg import database_of
from infra.ops.times import at, stamp

BRANCH_PREFIX = "migration-test/"
SCRATCH_PREFIX = "migration_test"


class MigrationTestResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    database: str  # where it ran, for the terminal (with the branch id)
    place: str  # where it ran, for the PR comment (nothing that changes from run to run)
    report: RoundTripReport
    cleaned_up: bool

    @property
    def ok(self) -> bool:
        return self.report.ok and self.cleaned_up

    def lines(self) -> list[str]:
        lines = [f"migration test on {self.stack}, {self.database}:", *trip_lines(self.report)]
        if not self.cleaned_up:
            lines.insert(-1, f"problem: {self.database} could not be deleted (see the warning above)")
            lines[-1] = "result: FAILED"
        return lines


def migration_test(
    ctx: MigrationContext, stack: str, command: AlembicCommand, *, seed: Path | None = None
) -> MigrationTestResult:
    settings = ctx.stack_settings(stack)
    masker = Masker()
    history = load_history(command, masker)
    if isinstance(settings, DevStack):
        return _on_scratch(ctx, stack, command, history, masker=masker, seed=seed)
    if seed is not None:
        raise MigrationError(
            f"--seed is for dev's scratch database; on {stack} the test runs on a branch of the stack's own data"
        )
    target, neon = ctx.neon_target(stack, "migration-test")
    masker.add_uri(target.outputs.database_url)
    now = ctx.now()
    name = f"{BRANCH_PREFIX}{stamp(at(now))}"
    ctx.reporter.step(f"creating throwaway branch {name} of {stack}'s default branch (deleted afterwards)")
    with neon, throwaway_branch(neon, target, name=name, now=now, reporter=ctx.reporter) as branch:
        masker.add_uri(branch.uri)
        report = _exercise(ctx, command, branch.uri, history, masker)
    return MigrationTestResult(
        stack=stack,
        database=f"branch {branch.branch.name} ({branch.branch.id})",
        place=f"a throwaway branch of {stack}'s data",
        report=report,
        cleaned_up=branch.deleted,
    )


def _on_scratch(
    ctx: MigrationContext,
    stack: str,
    command: AlembicCommand,
    history: ScriptHistory,
    *,
    masker: Masker,
    seed: Path | None,
) -> MigrationTestResult:
    outputs = ctx.stack_outputs(stack)
    masker.add_uri(outputs.database_url)
    seed_sql = _read_seed(seed)
    applied = ctx.migrations.state(outputs.database_url).applied
    ctx.reporter.step(f"creating a scratch database next to {outputs.database} (dropped afterwards)")
    with ctx.database.scratch_database(outputs.database_url, SCRATCH_PREFIX) as url:
        masker.add_uri(url)
        start = start_revision(history, applied)
        if start != "base":
            ctx.reporter.note(f"bringing the scratch database to {stack}'s revision {start} first")
            ran = ctx.driver(command, url, masker).run("upgrade", start)
            if ran.exit_code != 0:
                raise MigrationError(
                    f"preparing the scratch database failed: `{ran.command}` exited with {ran.exit_code}"
                )
        if seed is not None and seed_sql is not None:
            ctx.reporter.step(f"loading {seed} into the scratch database")
            ctx.migrations.run_sql(url, seed_sql, source=f"--seed {seed}")
        report = _exercise(ctx, command, url, history, masker)
        where = f"scratch database {database_of(url)}"
    return MigrationTestResult(
        stack=stack, database=where, place=f"a scratch database ({stack})", report=report, cleaned_up=True
    )


def _read_seed(seed: Path | None) -> str | None:
    if seed is None:
        return None
    try:
        return seed.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrationError(f"cannot read --seed {seed}: {exc}") from None


def _exercise(
    ctx: MigrationContext, command: AlembicCommand, url: SecretStr, history: ScriptHistory, masker: Masker
) -> RoundTripReport:
    applied = ctx.database.revision(url)
    start = start_revision(history, applied.split(",") if applied else ())
    pending = history.pending([start])
    ctx.reporter.step(f"{len(pending)} pending revision(s) after {start}: upgrade, downgrade, upgrade each")
    return round_trip(Exercise(ctx.driver(command, url, masker), ctx.migrations), start, pending)
