"""A typed client for the Neon API v2 (httpx + pydantic); imports nothing from Pulumi.

    from infra.neon import NeonClient, models
    with NeonClient.from_env() as neon:      # NEON_API_KEY, NEON_API_URL, NEON_ORG_ID
        created = neon.create_branch(project_id, models.BranchCreate(name="preview"))

Behaviour in brief: one request loop retries what is safe to retry (`RetryPolicy`); mutations wait
for their operations (`PollPolicy`; design in `_wait`); a create whose response was lost is looked
up and adopted, never sent twice blindly; deletes return whether this call deleted the object;
errors form the tree drawn in `errors`; passwords and URIs are `SecretStr`.
"""

from infra.neon import errors, models
from infra.neon._retry import RetryPolicy
from infra.neon._version import __version__
from infra.neon._wait import PollPolicy
from infra.neon.client import ClientOptions, NeonClient
from infra.neon.settings import NeonSettings

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
