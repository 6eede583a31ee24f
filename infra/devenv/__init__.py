"""Onboarding building blocks: the `.env` merge, Docker detection and engine choice, DATABASE_URLs."""

from infra.devenv.dburl import DatabaseUrl, build_database_url
from infra.devenv.docker import (
    DockerState,
    DockerStatus,
    EngineChoice,
    EngineRequest,
    choose_engine,
    detect_docker,
    ping_unix_socket,
)
from infra.devenv.envfile import EnvFileUpdate, format_value, read_env_file, update_env_file
from infra.devenv.errors import DevEnvError, EngineUnavailableError, EnvFileError

__all__ = [
    "DatabaseUrl",
    "DevEnvError",
    "DockerState",
    "DockerStatus",
    "EngineChoice",
    "EngineRequest",
    "EngineUnavailableError",
    "EnvFileError",
    "EnvFileUpdate",
    "build_database_url",
    "choose_engine",
    "detect_docker",
    "format_value",
    "ping_unix_socket",
    "read_env_file",
    "update_env_file",
]
