"""What our dynamic providers share: typed props, check without API calls, an input-only diff.

Pulumi pickles provider objects into state (by reference: these classes live in an importable
module), so providers hold no client, key or other state; each method builds its client from the
environment (`NEON_API_KEY`, `NEON_API_URL`). The API key is never a resource input.

`diff` compares the user's inputs only: `olds` are the previous *outputs*, which repeat every input
next to the server-computed fields, and server-computed fields never take part. Each provider
declares which inputs force a replacement and which are create-time only (ignored afterwards).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pydantic import BaseModel, ConfigDict, ValidationError

from infra.providers.errors import install_in_provider_host
from infra.quickexit import skip_final_collection
from infra.toolchain.paths import cache_root

if TYPE_CHECKING:
    from infra.neon import NeonClient

# Operation durations learned by earlier runs, so that a fresh provider process aims its first poll
# (`infra/neon/_durations.py`); under WORKSHELF_CACHE / XDG_CACHE_HOME like the CLI's cache.
DURATIONS_FILE = cache_root() / "neon" / "operation-durations.json"

# In Pulumi's provider host, our errors are shown as one line instead of a traceback (see errors.py),
# and the process ends without a last garbage collection when the engine stops it (quickexit.py).
if install_in_provider_host():
    skip_final_collection()


class ProviderProps(BaseModel):
    """Base of each provider's input model; unknown keys are refused so typos surface in `check`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Self:
        """Inputs or outputs as Pulumi passes them (outputs carry extra, server-computed keys)."""
        return cls.model_validate({k: v for k, v in values.items() if k in cls.model_fields})


def is_unknown(value: Any) -> bool:
    """During preview, inputs computed from other resources are still unknown.

    The dynamic host passes them as `pulumi.output.Unknown` objects (the raw sentinel string
    when deserialized without `keep_unknowns`).
    """
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def warn(message: str) -> None:
    # The CLI shows a dynamic provider's stderr in its output (since Pulumi 3.1xx): the only channel
    # a provider has to say something went half-right without failing the step.
    print(f"warning: {message}", file=sys.stderr, flush=True)


class TypedProvider(ResourceProvider):
    """Common lifecycle rules; subclasses implement create/read/update/delete.

    `client()` and `delete_ignoring_gone()` serve the Neon providers; the local ones never call them.
    """

    # The pickled provider is a module reference, not data: nothing in it needs encrypting.
    serialize_as_secret_always = False

    props_model: ClassVar[type[ProviderProps]]
    replace_on: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset()
    # Replacing something whose name stays the same must delete first, or the create collides.
    name_field: ClassVar[str | None] = None

    # -- Pulumi lifecycle -------------------------------------------------------------------
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        known = {k: v for k, v in news.items() if k != "__provider" and not is_unknown(v)}
        unknown = {k for k, v in news.items() if is_unknown(v)}
        failures: list[CheckFailure] = []
        try:
            self.props_model.model_validate(known)
        except ValidationError as exc:
            for error in exc.errors():
                prop = str(error["loc"][0]) if error["loc"] else ""
                if prop in unknown or (error["type"] == "missing" and prop in unknown):
                    continue
                failures.append(CheckFailure(prop, str(error["msg"]).removeprefix("Value error, ")))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = self.changed_fields(olds, news)
        replaces = [f for f in self.props_model.model_fields if f in changed & self.replace_on]
        same_name = self.name_field is not None and not _differs(olds.get(self.name_field), news.get(self.name_field))
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces) and same_name,
        )

    # -- helpers for subclasses ----------------------------------------------------------------
    def delete_ignoring_gone(self, delete: Callable[[NeonClient], object]) -> None:
        """Deleting something already gone is success, also when its project or branch went first."""
        from infra.neon import errors

        with self.client() as client:
            try:
                delete(client)
            except errors.NotFoundError:
                return

    @staticmethod
    def client() -> NeonClient:
        # Imported here so the local (non-Neon) providers, and previews (check and diff make no
        # calls), load without the HTTP client.
        from infra.neon import NeonClient

        return NeonClient.from_env(durations=DURATIONS_FILE)

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> set[str]:
        """The inputs that differ (create-only ones never count): what `diff` reports and `update` applies."""
        return {
            f for f in self.props_model.model_fields if f not in self.create_only and _differs(olds.get(f), news.get(f))
        }


def _differs(old: Any, new: Any) -> bool:
    if is_unknown(new):
        return True
    # Pulumi round-trips numbers as floats: 17 and 17.0 are the same setting.
    if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool):
        return float(old) != float(new)
    return bool(old != new)
