"""Stack settings: one typed model of a stack's configuration, validated before any resource exists."""

from infra.config.errors import ConfigError
from infra.config.load import PROJECT, load_settings, settings_from_stack_file
from infra.config.models import DevSettings, NeonSettings, SafetyOverrides, StackSettings

__all__ = [
    "PROJECT",
    "ConfigError",
    "DevSettings",
    "NeonSettings",
    "SafetyOverrides",
    "StackSettings",
    "load_settings",
    "settings_from_stack_file",
]
