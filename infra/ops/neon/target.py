"""Which Neon stack a command works on: its settings, its deployed outputs, and a Neon client for it.

`NeonStacks` holds the three ways in (all injectable: tests wire the emulator in), and `neon_target`
refuses early and clearly: a stack that is not on Neon, a missing `NEON_API_KEY` (before any slow
call), a stack that was never deployed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from infra.config import ConfigError, DevStack, NeonStack, StackSettings, settings_from_stack_file
from infra.config.plans import Plan
from infra.neon import NeonClient
from infra.neon.errors import NeonConfigError
from infra.ops.neon.errors import NeonStackError
from infra.ops.pulumi import PulumiCli, PulumiError, StackNotFoundError


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
    """A deployed Neon stack: its settings, outputs and the project and default branch they name."""

    stack: str
    settings: NeonStack
    outputs: StackOutputs
    project_id: str
    branch_id: str

    @property
    def plan(self) -> Plan:
        return self.settings.neon.plan


@dataclass
class NeonStacks:
    """How a command reaches a deployed stack: its settings, its outputs and a Neon client."""

    settings: Callable[[str], StackSettings]
    outputs: Callable[[str], StackOutputs]
    neon: Callable[[], NeonClient]

    def stack_settings(self, stack: str) -> StackSettings:
        try:
            return self.settings(stack)
        except ConfigError as exc:
            raise NeonStackError(f"the {stack} stack's settings are invalid:\n{exc}") from None

    def stack_outputs(self, stack: str) -> StackOutputs:
        # Never suggest `pulumi up` here: against the wrong backend it would create a second project
        # (the program refuses, but the advice would still be wrong). Say where we looked instead.
        try:
            return self.outputs(stack)
        except StackNotFoundError as exc:
            raise NeonStackError(
                f"cannot read the {stack} stack's outputs: {exc}",
                hint=f"if {stack} is deployed, point PULUMI_BACKEND_URL at the backend that holds it "
                "(README, 'Passphrases and state'); `pulumi stack ls` lists what this backend holds",
            ) from None
        except PulumiError as exc:
            raise NeonStackError(
                f"cannot read the {stack} stack's outputs: {exc}",
                hint="check PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) and PULUMI_BACKEND_URL",
            ) from None

    def neon_target(self, stack: str, command: str) -> tuple[NeonTarget, NeonClient]:
        """Refuse non-Neon stacks and a missing API key before any slow call; then read the outputs."""
        settings = self.stack_settings(stack)
        if isinstance(settings, DevStack):
            raise NeonStackError(
                f"`{command}` works on Neon stacks (staging, production); {stack} is a local "
                "PostgreSQL with no branches or history",
                hint="for dev, run migrations directly, or test them with `migration-test --stack dev`",
            )
        try:
            neon = self.neon()
        except NeonConfigError as exc:
            raise NeonStackError(str(exc)) from None
        try:
            outputs = self.stack_outputs(stack)
        except BaseException:
            neon.close()
            raise
        if not outputs.neon_project_id or not outputs.neon_branch_id:
            neon.close()
            raise NeonStackError(f"the {stack} stack's outputs name no Neon project or branch: redeploy it")
        target = NeonTarget(stack, settings, outputs, outputs.neon_project_id, outputs.neon_branch_id)
        return target, neon


def outputs_reader(pulumi: PulumiCli) -> Callable[[str], StackOutputs]:
    """Reads a stack's outputs, secrets included, with `pulumi stack output --show-secrets`."""

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


class StackSources(TypedDict):
    """The three ways into a stack (`NeonStacks`' fields), as keyword arguments for a context."""

    settings: Callable[[str], StackSettings]
    outputs: Callable[[str], StackOutputs]
    neon: Callable[[], NeonClient]


def project_sources(project_dir: Path) -> StackSources:
    """The real ones: the committed stack files, `pulumi stack output`, and NEON_API_KEY & co."""
    return StackSources(
        settings=lambda stack: settings_from_stack_file(project_dir, stack),
        outputs=outputs_reader(PulumiCli(project_dir)),
        neon=NeonClient.from_env,
    )
