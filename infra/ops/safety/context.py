"""What every data-safety workflow runs with: the stacks (settings, outputs, a Neon client: see
`infra/ops/neon/target.py`), a reporter, a clock, a command runner and database tools, all injectable
(tests wire the emulator in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from infra.ops.neon.target import NeonStacks, project_sources
from infra.ops.reporter import Reporter
from infra.ops.safety.pg import DatabaseTools, PostgresTools
from infra.ops.safety.runner import CommandRunner, SubprocessRunner
from infra.ops.times import Clock, SystemClock


@dataclass
class SafetyContext(NeonStacks):
    """Dependencies of the workflows; `default_context` builds the real ones."""

    reporter: Reporter
    clock: Clock = field(default_factory=SystemClock)
    runner: CommandRunner = field(default_factory=SubprocessRunner)
    database: DatabaseTools = field(default_factory=PostgresTools)
    report_dir: Path = Path("reports")
    cwd: Path | None = None

    def now(self) -> float:
        """Whole seconds: Neon's timestamps (points in time, expiries) have second precision."""
        return float(int(self.clock.time()))


def default_context(project_dir: Path, reporter: Reporter) -> SafetyContext:
    return SafetyContext(
        **project_sources(project_dir),
        reporter=reporter,
        report_dir=project_dir / "reports",
        cwd=Path.cwd(),
    )
