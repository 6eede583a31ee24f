"""Benchmark: `migration-lint` over 50 pending revisions must take at most 10 s.

A throwaway Alembic project gets 50 revisions cycling through the catalogue's patterns (new tables,
added columns, index builds, renames, drops, data fixes), and the lint runs from base as the CLI runs
it: two Alembic processes (history, one offline rendering), one squawk process, pglast in process.
Printed: wall time per phase, and the total against the goal.

Run from the repository root:  .venv/bin/python -m benchmarks.migration_lint [--revisions 50]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand, render_upgrade_sql
from infra.ops.migrations.contract import ContractPolicy
from infra.ops.migrations.lint import LintRequest, lint, load_history
from infra.ops.migrations.sqlsplit import split_rendered
from infra.ops.migrations.squawk import run_squawk

GOAL_SECONDS = 10.0
CATALOGUE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "migration_catalogue"
PATTERNS = (
    'op.create_table("t{n}", sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("v", sa.Text))',
    'op.add_column("t{p}", sa.Column("c{n}", sa.Text))',
    'op.create_index("ix_{n}", "t{p}", ["v"])',
    'op.alter_column("t{p}", "v", new_column_name="w{n}")',
    "op.execute(\"UPDATE t{p} SET v = 'x' WHERE id = {n}\")",
    'op.drop_column("t{p}", "c{p}")',
    'op.execute("ALTER TABLE t{p} ADD CONSTRAINT ck_{n} CHECK (id > 0) NOT VALID")',
)


def build_project(root: Path, count: int) -> None:
    shutil.copy(CATALOGUE / "env.py", root / "env.py")
    shutil.copy(CATALOGUE / "alembic.ini", root / "alembic.ini")
    versions = root / "versions"
    versions.mkdir()
    for n in range(1, count + 1):
        table = n - n % len(PATTERNS) or 1  # the table created at the start of this pattern cycle
        body = PATTERNS[(n - 1) % len(PATTERNS)].format(n=n, p=table)
        down = f'"b{n - 1:03d}"' if n > 1 else "None"
        (versions / f"b{n:03d}.py").write_text(
            f'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "b{n:03d}"\ndown_revision = {down}\n\n\n'
            f"def upgrade() -> None:\n    {body}\n\n\ndef downgrade() -> None:\n    pass\n"
        )


def timed_phases(command: AlembicCommand) -> dict[str, float]:
    """The lint's phases timed separately (the same calls `lint.lint` makes)."""
    masker = Masker()
    started = time.perf_counter()
    history = load_history(command, masker)
    t_history = time.perf_counter()
    chunks = split_rendered(render_upgrade_sql(command, "base", masker))
    t_render = time.perf_counter()
    run_squawk(chunks, pg_version=17)
    t_squawk = time.perf_counter()
    if len(chunks) != len(history.ordered):
        raise SystemExit(f"rendered {len(chunks)} revisions of {len(history.ordered)}")
    return {"history": t_history - started, "render": t_render - t_history, "squawk": t_squawk - t_render}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-migration-lint-") as tmp:
        build_project(Path(tmp), args.revisions)
        command = AlembicCommand(argv=(sys.executable, "-m", "alembic"), cwd=Path(tmp))
        phases = timed_phases(command)
        policy = ContractPolicy("production", timedelta(days=14), datetime.now(UTC), [])
        started = time.perf_counter()
        report = lint(LintRequest(command=command, applied=(), policy=policy))
        total = time.perf_counter() - started
    print(
        f"\nmigration-lint, {len(report.revisions)} revisions from base ({len(report.findings)} findings, "
        f"{report.count('blocking')} blocking)"
    )
    print("  phases: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in phases.items()))
    verdict = "met" if total <= GOAL_SECONDS else "MISSED"
    print(f"  total {total:.2f}s (goal <= {GOAL_SECONDS:.0f}s): {verdict}")


if __name__ == "__main__":
    main()
