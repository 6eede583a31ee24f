"""Which engine runs the dev database: Docker when one answers, else native — and it sticks.

Once a native cluster exists in the data directory, `auto` keeps choosing native even if Docker
starts answering later (and vice versa is decided by Docker itself): switching engines would
silently give the developer a new, empty database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from infra.config import DevSettings
from infra.devdb.native import pick_binaries
from infra.devenv import DockerStatus, EngineChoice, choose_engine, detect_docker
from infra.localpg import PgBinaries
from infra.localpg.datadir import MARKER_NAME

# `make onboard --engine …` passes its decision to the program through this variable.
ENGINE_ENV = "WORKSHELF_DEV_ENGINE"


def resolve_engine(
    dev: DevSettings,
    project_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    docker: DockerStatus | None = None,
    native: PgBinaries | None = None,
    find_native: bool = True,
) -> EngineChoice:
    environ = os.environ if env is None else env
    requested = environ.get(ENGINE_ENV) or dev.engine
    if requested not in ("auto", "docker", "native"):
        raise ValueError(f"{ENGINE_ENV}: must be auto, docker or native (got {requested!r})")
    if native is None and find_native:
        native = pick_binaries(project_dir / dev.data_dir, dev.pg_major)
    if requested == "auto" and native is not None and (project_dir / dev.data_dir / MARKER_NAME).exists():
        return EngineChoice(engine="native", reason=f"a native dev cluster already exists in {dev.data_dir}")
    return choose_engine(requested, docker or detect_docker(), native)  # type: ignore[arg-type]
