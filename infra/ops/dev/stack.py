"""What every dev-database command shares: the dev stack file's settings, the stack's state, its environment.

Only ever the `dev` stack: every Pulumi call here names it explicitly, and `PulumiCli` pins it to the
local backend and the documented passphrase, whatever the environment says about other backends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from infra.config import EngineName, key_name, settings_from_stack_file
from infra.devdb.context import DevContext
from infra.devdb.engine import ENGINE_ENV
from infra.devdb.overrides import dev_settings
from infra.devdb.url import DatabaseUrl
from infra.ops.pulumi import PulumiCli, PulumiPort

DEV_STACK: Literal["dev"] = "dev"
STACK_FILE = "Pulumi.dev.yaml"
PORT_KEY = key_name("dev", "port")
DATA_DIR_KEY = key_name("dev", "dataDir")
# Variables that could point a command at another environment; the dev stack never needs them.
_FOREIGN_ENV_PREFIXES = ("NEON_",)
_FOREIGN_ENV = ("PULUMI_ACCESS_TOKEN", ENGINE_ENV)
_NATIVE_TYPE = "pulumi-python:dynamic/local:Postgres"
_DOCKER_TYPE = "docker:index/container:Container"


# Builds a PulumiPort whose commands get `extra_env` (the engine choice) on top of a cleaned environment.
PulumiFactory = Callable[[Mapping[str, str]], PulumiPort]


class StackView(BaseModel):
    """The dev stack as its state records it (read with `pulumi stack export`, no program run)."""

    model_config = ConfigDict(frozen=True)

    exists: bool
    engine: EngineName | None = None
    database_url: SecretStr | None = None

    @property
    def url(self) -> DatabaseUrl | None:
        if self.database_url is None:
            return None
        try:
            return DatabaseUrl.parse(self.database_url.get_secret_value())
        except ValueError:
            return None


def load_dev(project_dir: Path, env: Mapping[str, str] | None = None) -> DevContext:
    """The dev stack file's settings with the developer's overrides (`WORKSHELF_DEV_PORT`, ...) applied."""
    dev = dev_settings(settings_from_stack_file(project_dir, DEV_STACK).dev, project_dir, env)
    return DevContext(project_dir=project_dir, dev=dev)


def dev_environment(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """The environment for dev Pulumi commands: without other environments' credentials, plus `extra`."""
    env = {k: v for k, v in base.items() if not k.startswith(_FOREIGN_ENV_PREFIXES) and k not in _FOREIGN_ENV}
    return {**env, **extra}


def default_pulumi(project_dir: Path) -> PulumiFactory:
    def build(extra: Mapping[str, str]) -> PulumiPort:
        return PulumiCli(project_dir, base_env=dev_environment(os.environ, extra))

    return build


def read_stack(pulumi: PulumiPort) -> StackView:
    """The dev stack's engine and outputs; `exists=False` when there is no dev stack yet."""
    if not pulumi.stack_exists(DEV_STACK):
        return StackView(exists=False)
    result = pulumi.run(DEV_STACK, ["stack", "export", "--show-secrets"], check=False)
    if result.returncode != 0:
        return StackView(exists=True)
    try:
        deployment = json.loads(result.stdout).get("deployment") or {}
    except json.JSONDecodeError:
        return StackView(exists=True)
    return _view(deployment.get("resources") or [])


def _view(resources: list[dict[str, Any]]) -> StackView:
    engine: EngineName | None = None
    url: str | None = None
    for resource in resources:
        kind = resource.get("type")
        outputs = resource.get("outputs") or {}
        if kind == _NATIVE_TYPE:
            engine = "native"
        elif kind == _DOCKER_TYPE:
            engine = "docker"
        elif kind == "pulumi:pulumi:Stack":
            url = _plain(outputs.get("database_url"))
    try:
        return StackView(exists=True, engine=engine, database_url=SecretStr(url) if url else None)
    except ValidationError:
        return StackView(exists=True, engine=engine)


def _plain(value: Any) -> str | None:
    """A stack output from `stack export --show-secrets`: secrets are {"plaintext": "<JSON>"}."""
    if isinstance(value, dict) and isinstance(value.get("plaintext"), str):
        try:
            value = json.loads(value["plaintext"])
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, str) else None
