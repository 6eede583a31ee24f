"""What every data-safety workflow runs with: stack settings and outputs, a Neon client, a reporter,
a clock, a command runner and database tools, all injectable (tests wire the emulator in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from infra.config import ConfigError, DevStack, NeonStack, StackSettings, settings_from_stack_file
from infra.config.plans import Plan
from infra.neon import NeonClient
from infra.neon.errors import NeonConfigError
from infra.ops.pulumi import PulumiCli, PulumiError
from infra.ops.reporter import Reporter
from infra.ops.safety.errors import SafetyError
from infra.ops.safety.pg import DatabaseTools, PostgresTools
from infra.ops.safety.runner import CommandRunner, SubprocessRunner
from infra.ops.safety.times import Clock, SystemClock


class StackOutputs(BaseModel):
    """A deployed stack's outputs (`pulumi stack output`); `database_url` stays a SecretStr."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    environment: str
    database_url: SecretStr
    host: str
    database: str
    role: str
    neon_project_id: str | None = None
    neon_branch_id: str | None = None


@dataclass(frozen=True)
class NeonTarget:
    """A Neon stack: its settings, outputs and the project and default branch they name."""

    stack: str
    settings: NeonStack
    outputs: StackOutputs
    project_id: str
    branch_id: str

    @property
    def plan(self) -> Plan:
        return self.settings.neon.plan


@dataclass
class SafetyContext:
    """Dependencies of the workflows; `default_context` builds the real ones."""

    settings: Callable[[str], StackSettings]
    outputs: Callable[[str], StackOutputs]
    neon: Callable[[], NeonClient]
    reporter: Reporter
    clock: Clock = field(default_factory=SystemClock)
    runner: CommandRunner = field(default_factory=SubprocessRunner)
    database: DatabaseTools = field(default_factory=PostgresTools)
    report_dir: Path = Path("reports")
    cwd: Path | None = None

    def now(self) -> float:
        """Whole seconds: Neon's timestamps (points in time, expiries) have second precision."""
        return float(int(self.clock.time()))

    def stack_settings(self, stack: str) -> StackSettings:
        try:
            return self.settings(stack)
        except ConfigError as exc:
            raise SafetyError(f"the {stack} stack's settings are invalid:\n{exc}") from None

    def stack_outputs(self, stack: str) -> StackOutputs:
        try:
            return self.outputs(stack)
        except PulumiError as exc:
            raise SafetyError(
                f"cannot read the {stack} stack's outputs: {exc}",
                hint=f"deploy it first (`pulumi up --stack {stack}`) and set PULUMI_CONFIG_PASSPHRASE",
            ) from None

    def neon_target(self, stack: str, command: str) -> tuple[NeonTarget, NeonClient]:
        """Refuse non-Neon stacks and a missing API key before any slow call; then read the outputs."""
        settings = self.stack_settings(stack)
        if isinstance(settings, DevStack):
            raise SafetyError(
                f"`{command}` works on Neon stacks (staging, production); {stack} is a local "
                "PostgreSQL with no branches or history",
                hint="for dev, run migrations directly, or test them with `migration-test --stack dev`",
            )
        try:
            neon = self.neon()
        except NeonConfigError as exc:
            raise SafetyError(str(exc)) from None
        try:
            outputs = self.stack_outputs(stack)
        except BaseException:
            neon.close()
            raise
        if not outputs.neon_project_id or not outputs.neon_branch_id:
            neon.close()
            raise SafetyError(f"the {stack} stack's outputs name no Neon project or branch: redeploy it")
        target = NeonTarget(stack, settings, outputs, outputs.neon_project_id, outputs.neon_branch_id)
        return target, neon


def outputs_reader(pulumi: PulumiCli) -> Callable[[str], StackOutputs]:
    def read(stack: str) -> StackOutputs:
        raw: dict[str, Any] = pulumi.outputs(stack, show_secrets=True)
        if not raw:
            raise PulumiError(f"the {stack} stack has no outputs (is it deployed?)")
        try:
            return StackOutputs.model_validate(raw)
        except ValidationError as exc:
            missing = ", ".join(str(e["loc"][0]) for e in exc.errors(include_input=False))
            raise PulumiError(f"the {stack} stack's outputs lack {missing}") from None

    return read


def default_context(project_dir: Path, reporter: Reporter) -> SafetyContext:
    return SafetyContext(
        settings=lambda stack: settings_from_stack_file(project_dir, stack),
        outputs=outputs_reader(PulumiCli(project_dir)),
        neon=NeonClient.from_env,
        reporter=reporter,
        report_dir=project_dir / "reports",
        cwd=Path.cwd(),
    )
