"""Stack settings: one typed model of a stack's configuration, validated before any resource exists."""

from infra.config.errors import ConfigError
from infra.config.keys import PROJECT, key_name
from infra.config.load import settings_from_mapping, settings_from_stack_file
from infra.config.models import (
    ENVIRONMENTS,
    NEON_ENVIRONMENTS,
    DevSettings,
    DevStack,
    EngineName,
    EngineRequest,
    MigrationSettings,
    NeonProjectSettings,
    NeonStack,
    SafetyOverrides,
    StackSettings,
)

__all__ = [
    "ENVIRONMENTS",
    "NEON_ENVIRONMENTS",
    "PROJECT",
    "ConfigError",
    "DevSettings",
    "DevStack",
    "EngineName",
    "EngineRequest",
    "MigrationSettings",
    "NeonProjectSettings",
    "NeonStack",
    "SafetyOverrides",
    "StackSettings",
    "key_name",
    "settings_from_mapping",
    "settings_from_stack_file",
]
