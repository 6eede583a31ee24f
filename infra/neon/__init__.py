"""A typed client for the Neon API v2 (httpx + pydantic); imports nothing from Pulumi.

    from infra.neon import NeonClient, models
    with NeonClient.from_env() as neon:      # NEON_API_KEY, NEON_API_URL, NEON_ORG_ID
        created = neon.create_branch(project_id, models.BranchCreate(name="preview"))

Behaviour in brief: one request loop retries what is safe to retry (`RetryPolicy`); mutations wait
for their operations (`PollPolicy`; design in `_wait`); a create whose response was lost is looked
up and adopted, never sent twice blindly; deletes return whether this call deleted the object;
errors form the tree drawn in `errors`; passwords and URIs are `SecretStr`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from infra.neon._version import __version__

if TYPE_CHECKING:
    from infra.neon import errors, models
    from infra.neon._retry import RetryPolicy
    from infra.neon._wait import PollPolicy
    from infra.neon.client import ClientOptions, NeonClient
    from infra.neon.settings import NeonSettings

# Loaded on first use (PEP 562): a Pulumi program and a preview's provider calls need the error
# classes and models, not the HTTP client (httpx and every API module), so they do not pay for it.
_LAZY = {
    "ClientOptions": "infra.neon.client",
    "NeonClient": "infra.neon.client",
    "NeonSettings": "infra.neon.settings",
    "PollPolicy": "infra.neon._wait",
    "RetryPolicy": "infra.neon._retry",
    "errors": "infra.neon.errors",
    "models": "infra.neon.models",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'infra.neon' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    value = loaded if module.endswith(f".{name}") else getattr(loaded, name)
    globals()[name] = value
    return value


__all__ = [
    "ClientOptions",
    "NeonClient",
    "NeonSettings",
    "PollPolicy",
    "RetryPolicy",
    "__version__",
    "errors",
    "models",
]
