"""Which engine runs the dev database: Docker when one answers, else native — and it sticks.

`choose_engine` is the one decision. Onboarding calls it (after detecting Docker and finding or
installing PostgreSQL binaries) and passes the engine it chose to the program in `WORKSHELF_DEV_ENGINE`;
the program (`program_engine`) takes a concrete engine from there as decided, and calls
`choose_engine` itself only when nothing was decided yet (`pulumi up --stack dev` run by hand).

Once a native cluster exists in the data directory, `auto` keeps choosing native even if Docker
starts answering later: switching engines would silently give the developer a new, empty database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import cast, get_args

from pydantic import BaseModel, ConfigDict

from infra.config import DevSettings, EngineName, EngineRequest
from infra.devdb.docker import DOCKER_FIX, DockerStatus, detect_docker
from infra.devdb.errors import EngineUnavailableError
from infra.devdb.native import has_native_cluster, pick_binaries
from infra.localpg.binaries import PgBinaries, install_hint

__all__ = ["ENGINE_ENV", "EngineChoice", "choose_engine", "program_engine"]

# Onboarding passes the engine it chose to `pulumi up` through this variable.
ENGINE_ENV = "WORKSHELF_DEV_ENGINE"


class EngineChoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    engine: EngineName
    reason: str


def choose_engine(
    requested: EngineRequest, docker: DockerStatus, native: PgBinaries | None, *, native_cluster: str | None = None
) -> EngineChoice:
    """Docker when it answers (unless native is requested, or `native_cluster` names the data directory of
    an existing native cluster), else native PostgreSQL binaries; raises EngineUnavailableError naming fixes."""
    native_reason = f"PostgreSQL {native.major} binaries at {native.bindir}" if native else ""
    if requested == "auto" and native is not None and native_cluster is not None:
        return EngineChoice(engine="native", reason=f"a native dev cluster already exists in {native_cluster}")
    if requested == "docker":
        if docker.answers:
            return EngineChoice(engine="docker", reason=f"Docker was requested and {docker.reason}")
        raise EngineUnavailableError(
            f"Docker was requested but {docker.reason}. Fix: {DOCKER_FIX}; or use the native engine."
        )
    if requested == "native":
        if native is not None:
            return EngineChoice(engine="native", reason=f"native was requested; using {native_reason}")
        raise EngineUnavailableError(
            f"The native engine was requested but no PostgreSQL server binaries were found. "
            f"Fix: {install_hint()}; or use the Docker engine."
        )
    if docker.answers:
        return EngineChoice(engine="docker", reason=docker.reason)
    if native is not None:
        return EngineChoice(engine="native", reason=f"no Docker engine ({docker.reason}); using {native_reason}")
    raise EngineUnavailableError(
        f"No database engine is available: {docker.reason}, and no PostgreSQL server binaries were found. "
        f"Fix one of them: {DOCKER_FIX}; or install PostgreSQL: {install_hint()}."
    )


def program_engine(dev: DevSettings, project_dir: Path, env: Mapping[str, str] | None = None) -> EngineChoice:
    """The engine the program declares: the one already decided, else decided now by `choose_engine`."""
    environ = os.environ if env is None else env
    given = environ.get(ENGINE_ENV) or dev.engine
    if given not in get_args(EngineRequest):
        raise EngineUnavailableError(f"{ENGINE_ENV}: must be auto, docker or native (got {given!r})")
    if environ.get(ENGINE_ENV) in get_args(EngineName):
        return EngineChoice(engine=cast(EngineName, given), reason=f"chosen before this run ({ENGINE_ENV}={given})")
    data_dir = project_dir / dev.data_dir
    native = pick_binaries(data_dir, dev.pg_major)
    requested = cast(EngineRequest, given)
    existing = dev.data_dir if has_native_cluster(data_dir) else None
    return choose_engine(requested, detect_docker(), native, native_cluster=existing)
