"""Per-developer overrides of the dev stack's settings, without editing the committed `Pulumi.dev.yaml`.

`WORKSHELF_DEV_PORT` (another port when 55432 is taken on your machine) and `WORKSHELF_DEV_ENGINE`
(`auto`, `docker` or `native`) come from the environment, else from your git-ignored `.env`:
onboarding records there the ones you set in the environment, so that `status`, `dev reset` and the
next `make onboard` keep using them. Onboarding, status, dev down/reset/destroy and the Pulumi program
all read the settings through `dev_settings`, so they agree. A bad value is one error naming the
variable and where it came from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, cast, get_args

from pydantic import BaseModel, ConfigDict

from infra.config import DevSettings, EngineRequest
from infra.devdb.context import ENV_FILE
from infra.devdb.engine import ENGINE_ENV
from infra.devdb.envfile import read_env_file
from infra.devdb.errors import DevDbError

__all__ = ["ENGINE_ENV", "PORT_ENV", "DevOverrideError", "DevOverrides", "dev_settings", "read_overrides"]

PORT_ENV = "WORKSHELF_DEV_PORT"
MIN_PORT, MAX_PORT = 1024, 65535  # as `dev.port` in the stack file
Source = Literal["environment", ".env"]


class DevOverrideError(DevDbError):
    """A per-developer override has a value the dev stack cannot take."""


class DevOverrides(BaseModel):
    model_config = ConfigDict(frozen=True)

    port: int | None = None
    engine: EngineRequest | None = None
    sources: dict[str, Source] = {}

    def apply(self, dev: DevSettings) -> DevSettings:
        changes = {k: v for k, v in (("port", self.port), ("engine", self.engine)) if v is not None}
        return dev.model_copy(update=changes)

    def from_environment(self) -> dict[str, str]:
        """The overrides set in the environment (not yet in .env), as `.env` lines to record."""
        values = {PORT_ENV: str(self.port), ENGINE_ENV: str(self.engine)}
        return {var: values[var] for var, source in self.sources.items() if source == "environment"}


def _port(raw: str, where: str) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,5}", text) or not MIN_PORT <= int(text) <= MAX_PORT:
        raise DevOverrideError(
            f"{PORT_ENV}: must be a port number from {MIN_PORT} to {MAX_PORT} (got {raw!r}, from {where})",
            hint=f"e.g. {PORT_ENV}=55433 for this shell, or fix or remove the line in .env",
        )
    return int(text)


def _engine(raw: str, where: str) -> EngineRequest:
    if raw.strip() not in get_args(EngineRequest):
        raise DevOverrideError(
            f"{ENGINE_ENV}: must be auto, docker or native (got {raw!r}, from {where})",
            hint="unset it to use the stack file's engine, or fix or remove the line in .env",
        )
    return cast(EngineRequest, raw.strip())


def read_overrides(env: Mapping[str, str], env_file: Path) -> DevOverrides:
    """The overrides in force: the environment first, then `.env`."""
    saved = read_env_file(env_file)
    found: dict[str, tuple[str, Source]] = {}
    for var in (PORT_ENV, ENGINE_ENV):
        if env.get(var):
            found[var] = (env[var], "environment")
        elif saved.get(var):
            found[var] = (saved[var], ".env")
    port = _port(*found[PORT_ENV]) if PORT_ENV in found else None
    engine = _engine(*found[ENGINE_ENV]) if ENGINE_ENV in found else None
    return DevOverrides(port=port, engine=engine, sources={var: src for var, (_, src) in found.items()})


def dev_settings(dev: DevSettings, project_dir: Path, env: Mapping[str, str] | None = None) -> DevSettings:
    """The dev stack file's settings with this developer's overrides applied."""
    return read_overrides(os.environ if env is None else env, project_dir / ENV_FILE).apply(dev)
