"""`NeonBranch`: a branch (optionally from a point in time, protected, expiring, with a compute).

`adopt_branch_id` takes over an existing branch instead of creating one: the Neon database component
uses it to manage the protection of the project's default branch, which Neon creates with the
project (given the name and protection the project reported, without a call when nothing changes).
The default branch is never deleted by this resource (Neon refuses; it goes with its project). Name,
protection and expiry change in place; anything that defines the branch's data (parent, point in
time, init source) means a new branch, deleted-before-created when the name stays.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult
from pydantic import AwareDatetime, Field

from infra.neon import errors
from infra.providers.base import ProviderProps, TypedProvider, warn

if TYPE_CHECKING:
    from infra.neon import NeonClient
    from infra.neon.models import Branch, BranchUpdate


class BranchProps(ProviderProps):
    project_id: str
    name: str = Field(min_length=1, max_length=256)
    parent_id: str | None = None
    parent_timestamp: AwareDatetime | None = None
    parent_lsn: str | None = None
    protected: bool = False
    expires_at: AwareDatetime | None = None
    init_source: Literal["parent-data", "schema-only"] | None = None
    with_endpoint: bool = False
    adopt_branch_id: str | None = None
    # What the project reported about the branch being adopted (its name and protection): with both,
    # adopting it needs no call unless something must change.
    adopt_branch_name: str | None = None
    adopt_branch_protected: bool | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


class NeonBranchProvider(TypedProvider):
    props_model = BranchProps
    replace_on: ClassVar[frozenset[str]] = frozenset(
        {"project_id", "parent_id", "parent_timestamp", "parent_lsn", "init_source", "with_endpoint"}
    )
    # Which branch to adopt matters at creation only: it is the project's default branch, known
    # only after the project exists (and a new project means a new `project_id`, hence a new branch).
    create_only: ClassVar[frozenset[str]] = frozenset(
        {"adopt_branch_id", "adopt_branch_name", "adopt_branch_protected"}
    )
    name_field = "name"

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = BranchProps.from_values(props)
        if p.adopt_branch_id and (as_reported := _adopted_as_reported(p)) is not None:
            return as_reported  # no call, so no client (building one costs ~40 ms)
        # The API models are imported where used: the program and previews (check, diff) never need them.
        from infra.neon.models import BranchCreate, BranchEndpointOptions

        with self.client() as client:
            if p.adopt_branch_id:
                return self._adopt(client, p)
            created = client.create_branch(
                p.project_id,
                BranchCreate(
                    name=p.name,
                    parent_id=p.parent_id,
                    parent_timestamp=p.parent_timestamp,
                    parent_lsn=p.parent_lsn,
                    protected=p.protected or None,
                    expires_at=p.expires_at,
                    init_source=p.init_source,
                ),
                endpoints=[BranchEndpointOptions(type="read_write")] if p.with_endpoint else None,
                wait=False,
            )
            outs = _outputs(
                props,
                created.branch,
                created.endpoints[0].id if created.endpoints else None,
                created.endpoints[0].host if created.endpoints else None,
            )
            try:
                client.wait_for_operations(p.project_id, created.operations)
            except errors.NeonError as exc:
                # The branch exists: keep its id in state (no orphan); the error is shown now and
                # the next operation on this project waits for Neon anyway.
                warn(f"branch {created.branch.id} was created but Neon's operations did not finish cleanly: {exc}")
        return CreateResult(created.branch.id, outs)

    def _adopt(self, client: NeonClient, p: BranchProps) -> CreateResult:
        branch_id = str(p.adopt_branch_id)
        known = _reported(p)
        update = None if known is None else _branch_update(p, {f for f, v in known.items() if getattr(p, f) != v})
        if update is not None:  # as reported but not as wanted (as wanted: create() returned without a call)
            branch = client.update_branch(p.project_id, branch_id, update)
        else:
            branch = client.get_branch(p.project_id, branch_id)
            update = _branch_update(
                p, {f for f in ("name", "protected", "expires_at") if getattr(p, f) != getattr(branch, f)}
            )
            if update is not None:
                branch = client.update_branch(p.project_id, branch.id, update)
        return CreateResult(branch.id, _outputs(p.model_dump(mode="json"), branch, None, None))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with self.client() as client:
            try:
                branch = client.get_branch(str(props["project_id"]), id_)
            except errors.NotFoundError:
                return ReadResult(None, {})
        return ReadResult(id_, {**props, **_server_view(branch)})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = BranchProps.from_values(news)
        update = _branch_update(p, self.changed_fields(olds, news))
        outs = {**olds, **news}
        if update is not None:
            with self.client() as client:
                outs.update(_server_view(client.update_branch(p.project_id, id_, update)))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if props.get("default"):
            return  # the default branch goes with its project; Neon refuses to delete it alone
        self.delete_ignoring_gone(lambda client: client.delete_branch(str(props["project_id"]), id_))


def _branch_update(p: BranchProps, changed: set[str]) -> BranchUpdate | None:
    from infra.neon.models import BranchUpdate

    fields = {f: getattr(p, f) for f in ("name", "protected", "expires_at") if f in changed}
    return BranchUpdate(**fields) if fields else None


def _server_view(branch: Branch) -> dict[str, Any]:
    return {
        "name": branch.name,
        "protected": branch.protected,
        "expires_at": _iso(branch.expires_at),
        "default": branch.default,
        "branch_id": branch.id,
    }


def _inputs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k in BranchProps.model_fields}


def _outputs(props: dict[str, Any], branch: Branch, endpoint_id: str | None, host: str | None) -> dict[str, Any]:
    return {
        **_inputs(props),
        **_server_view(branch),
        # The input `parent_id` stays as the user wrote it (None = the default branch); what Neon
        # resolved it to is a separate output, or the next diff would see a change and replace.
        "parent_branch_id": branch.parent_id,
        "endpoint_id": endpoint_id,
        "host": host,
    }


class NeonBranch(Resource, module="neon", name="Branch"):
    """A Neon branch (see the module docstring)."""

    branch_id: pulumi.Output[str]
    protected: pulumi.Output[bool]
    endpoint_id: pulumi.Output[str | None]
    host: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        *,
        project_id: pulumi.Input[str],
        branch_name: pulumi.Input[str],
        protected: pulumi.Input[bool] = False,
        parent_id: pulumi.Input[str] | None = None,
        parent_timestamp: str | None = None,
        expires_at: str | None = None,
        init_source: str | None = None,
        with_endpoint: bool = False,
        adopt_branch_id: pulumi.Input[str] | None = None,
        adopt_branch_name: pulumi.Input[str | None] | None = None,
        adopt_branch_protected: pulumi.Input[bool | None] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "project_id": project_id,
            "name": branch_name,
            "protected": protected,
            "parent_id": parent_id,
            "parent_timestamp": parent_timestamp,
            "parent_lsn": None,
            "expires_at": expires_at,
            "init_source": init_source,
            "with_endpoint": with_endpoint,
            "adopt_branch_id": adopt_branch_id,
            "adopt_branch_name": adopt_branch_name,
            "adopt_branch_protected": adopt_branch_protected,
            "branch_id": None,
            "endpoint_id": None,
            "host": None,
            "default": None,
        }
        super().__init__(NeonBranchProvider(), name, props, opts)


def _reported(p: BranchProps) -> dict[str, Any] | None:
    """A project's default branch as the project reported it (no expiry, no parent), or None."""
    if p.adopt_branch_name is None or p.adopt_branch_protected is None or p.expires_at is not None:
        return None
    return {"name": p.adopt_branch_name, "protected": p.adopt_branch_protected, "expires_at": None}


def _adopted_as_reported(p: BranchProps) -> CreateResult | None:
    """The adopted branch's outputs when the project's report shows it as wanted: nothing to call."""
    known = _reported(p)
    if known is None or _branch_update(p, {f for f, value in known.items() if getattr(p, f) != value}) is not None:
        return None
    view = {**known, "default": True, "branch_id": str(p.adopt_branch_id)}
    outs = {**_inputs(p.model_dump(mode="json")), **view, "parent_branch_id": None}
    return CreateResult(str(p.adopt_branch_id), {**outs, "endpoint_id": None, "host": None})
