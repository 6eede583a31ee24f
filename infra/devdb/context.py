"""One project's dev database facts, each computed in one place: paths, the container, the native spec."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra.config import DevSettings, EngineName
from infra.devdb.docker import container_name
from infra.devdb.native import NativeSpec

ENV_FILE = ".env"


@dataclass(frozen=True)
class DevContext:
    """The dev settings of one project directory, with absolute paths."""

    project_dir: Path
    dev: DevSettings

    @property
    def data_dir(self) -> Path:
        return self.project_dir / self.dev.data_dir

    @property
    def env_file(self) -> Path:
        return self.project_dir / ENV_FILE

    @property
    def container(self) -> str:
        return container_name(self.dev.port)

    def location(self, engine: EngineName | None) -> str:
        """Where the data lives, in words: the data directory, or the container and its volume."""
        if engine == "docker":
            return f"container {self.container}, volume {self.dev.volume}"
        return self.dev.data_dir

    def native_spec(self) -> NativeSpec:
        return NativeSpec.from_settings(self.dev, self.project_dir)
