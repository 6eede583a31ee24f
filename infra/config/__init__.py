"""Stack settings: one typed model of a stack's configuration, validated before any resource exists.

The names below load on first use (PEP 562): the dynamic-provider process needs only Neon's bounds
(`infra.config.plans`, which the providers' props and `infra.neon` use), and importing this package
must not pull in the loader, PyYAML and every settings model there (~50 ms on each `pulumi` command).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "ConfigError": "errors",
    "PROJECT": "keys",
    "key_name": "keys",
    "settings_from_mapping": "load",
    "settings_from_stack_file": "load",
    **dict.fromkeys(
        (
            "ENVIRONMENTS",
            "NEON_ENVIRONMENTS",
            "DevSettings",
            "DevStack",
            "EngineName",
            "EngineRequest",
            "MigrationSettings",
            "NeonProjectSettings",
            "NeonStack",
            "SafetyOverrides",
            "StackSettings",
        ),
        "models",
    ),
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'infra.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"infra.config.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value
