"""`migration-test`'s engine: for each pending revision, upgrade to it, downgrade one step, upgrade
again, and compare after each step what must not change:

- after the downgrade, against before the upgrade: the revision, the schema, and the data (row
  counts, and the checksum of every column present both times): a downgrade must give back what
  the upgrade took;
- after the second upgrade, against after the first: the same three.

A revision marked `irreversible = True` is upgraded and not round-tripped. A data change can be
acknowledged in the file like a lint finding (`round-trip-rows` on a table, `round-trip-data` on a
table.column), e.g. a column filled with now() differs on every upgrade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from infra.ops.migrations.driver import Driver
from infra.ops.migrations.fingerprint import Probe, Snapshot
from infra.ops.migrations.scripts import BASE, RevisionFile
from infra.ops.safety.schema import schema_diff

ROWS_RULE: Final = "round-trip-rows"
DATA_RULE: Final = "round-trip-data"
ProblemKind = Literal["step-failed", "revision", "schema", "round-trip-rows", "round-trip-data"]


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ProblemKind
    detail: str
    target: str = ""
    acknowledged: str = ""  # the file's reason, when it acknowledges this change


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    command: str  # `upgrade c05`
    exit_code: int
    seconds: float
    revision: str | None = None


class RevisionTrip(BaseModel):
    model_config = ConfigDict(frozen=True)

    revision: str
    irreversible: bool
    steps: list[Step]
    problems: list[Problem]
    schema_diff: list[str] = []

    @property
    def failures(self) -> list[Problem]:
        return [p for p in self.problems if not p.acknowledged]


class RoundTripReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: str
    trips: list[RevisionTrip]

    @property
    def ok(self) -> bool:
        return not any(t.failures for t in self.trips)


@dataclass(frozen=True)
class Exercise:
    """The database, how to drive Alembic against it, and how to look at it."""

    driver: Driver
    probe: Probe


def data_problems(before: Snapshot, after: Snapshot, when: str) -> list[Problem]:
    """Row counts and column checksums of every table and column present in both snapshots."""
    problems = []
    for table in sorted(before.tables.keys() & after.tables.keys()):
        old, new = before.tables[table], after.tables[table]
        if old.rows != new.rows:
            detail = f"{table} had {old.rows} rows, {new.rows} {when}"
            problems.append(Problem(kind=ROWS_RULE, target=table.removeprefix("public."), detail=detail))
        for column in sorted(old.columns.keys() & new.columns.keys(), key=list(old.columns).index):
            if old.columns[column] != new.columns[column]:
                name = f"{table.removeprefix('public.')}.{column}"
                detail = f"column {table}.{column} lost or changed data {when}"
                problems.append(Problem(kind=DATA_RULE, target=name, detail=detail))
    return problems


def compare(before: Snapshot, after: Snapshot, then: str, when: str) -> tuple[list[Problem], list[str]]:
    problems = []
    if before.revision != after.revision:
        problems.append(
            Problem(
                kind="revision", detail=f"revision is {after.revision or BASE} {when}, not {before.revision or BASE}"
            )
        )
    diff = schema_diff(before.schema_lines, after.schema_lines, before_name=then, after_name=when)
    if diff:
        problems.append(Problem(kind="schema", detail=f"the schema differs {when} (see the diff)"))
    return problems + data_problems(before, after, when), diff


def _acknowledge(problems: list[Problem], file: RevisionFile) -> list[Problem]:
    reasons = {(a.rule, a.target): a.reason for a in file.markers.acknowledge}
    return [p.model_copy(update={"acknowledged": reasons.get((p.kind, p.target), "")}) for p in problems]


def _run(ex: Exercise, verb: str, target: str) -> Step:
    ran = ex.driver.run(verb, target)
    return Step(command=f"{verb} {target}", exit_code=ran.exit_code, seconds=ran.seconds)


def trip(ex: Exercise, file: RevisionFile) -> RevisionTrip:
    """Upgrade, (downgrade, upgrade) one revision; stops at the first failing step."""
    before = ex.probe.snapshot(ex.driver.url)
    steps: list[Step] = []
    plan = [("upgrade", file.revision)]
    if not file.markers.irreversible:
        back = (
            before.revision
            if before.revision and "," not in before.revision
            else (BASE if not before.revision else "-1")
        )
        plan += [("downgrade", back), ("upgrade", file.revision)]
    snapshots = [before]
    for verb, target in plan:
        step = _run(ex, verb, target)
        if step.exit_code != 0:
            failed = Problem(kind="step-failed", detail=f"alembic {step.command} exited with {step.exit_code}")
            return RevisionTrip(
                revision=file.revision, irreversible=file.markers.irreversible, steps=[*steps, step], problems=[failed]
            )
        snapshots.append(ex.probe.snapshot(ex.driver.url))
        steps.append(step.model_copy(update={"revision": snapshots[-1].revision}))
    if file.markers.irreversible:
        return RevisionTrip(revision=file.revision, irreversible=True, steps=steps, problems=[])
    down_problems, down_diff = compare(snapshots[0], snapshots[2], "before the upgrade", "after the downgrade")
    up_problems, up_diff = compare(snapshots[1], snapshots[3], "after the first upgrade", "after the second upgrade")
    problems = _acknowledge(down_problems + up_problems, file)
    return RevisionTrip(
        revision=file.revision, irreversible=False, steps=steps, problems=problems, schema_diff=down_diff + up_diff
    )


def round_trip(ex: Exercise, start: str, pending: Sequence[RevisionFile]) -> RoundTripReport:
    """Every pending revision in order; a failed step ends the test (later revisions build on it)."""
    trips = []
    for file in pending:
        result = trip(ex, file)
        trips.append(result)
        if any(p.kind == "step-failed" for p in result.problems):
            break
    return RoundTripReport(start=start, trips=trips)
