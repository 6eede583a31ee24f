"""Stack settings: one typed model of a stack's configuration, validated before any resource exists.

The names below load on first use (PEP 562): the dynamic-provider process needs only Neon's bounds
(`infra.config.plans`, which the providers' props and `infra.neon` use), and importing this package
must not pull in the loader, PyYAML and every settings model there (~50 ms on each `pulumi` command).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names are, for type checkers ("X as X": re-exported)
    from infra.config.errors import ConfigError as ConfigError
    from infra.config.keys import PROJECT as PROJECT
    from infra.config.keys import key_name as key_name
    from infra.config.load import settings_from_mapping as settings_from_mapping
    from infra.config.load import settings_from_stack_file as settings_from_stack_file
    from infra.config.models import ENVIRONMENTS as ENVIRONMENTS
    from infra.config.models import NEON_ENVIRONMENTS as NEON_ENVIRONMENTS
    from infra.config.models import DevSettings as DevSettings
    from infra.config.models import DevStack as DevStack
    from infra.config.models import EngineName as EngineName
    from infra.config.models import EngineRequest as EngineRequest
    from infra.config.models import MigrationSettings as MigrationSettings
    from infra.config.models import NeonProjectSettings as NeonProjectSettings
    from infra.config.models import NeonStack as NeonStack
    from infra.config.models import SafetyOverrides as SafetyOverrides
    from infra.config.models import StackSettings as StackSettings

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'infra.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"infra.config.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value
