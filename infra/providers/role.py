"""`NeonRole`: a login role on a branch, with its password and connection URI as secret outputs.

Neon has no role update: any change of name or branch makes a new role. `adopt_existing` takes over
a role of that name that already exists (the owner role Neon created with the project): its password
and URI are the ones the project's create returned (no call), or else revealed (reset when the
project does not store passwords), so it is never left unknown.
The connection URI comes from Neon (`connection_uri`) for `database_name`, so it is always in
Neon's exact format. `read` checks the role still exists (one GET) and keeps the secrets it has.
A role that was taken over is released on delete, not dropped: it came with its project and goes
with it (see `database.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult
from pydantic import Field, SecretStr

from infra.neon import errors
from infra.providers.base import ProviderProps, TypedProvider

if TYPE_CHECKING:
    from infra.neon import NeonClient

SECRET_OUTPUTS = ["password", "connection_uri"]


class RoleProps(ProviderProps):
    project_id: str
    branch_id: str
    name: str = Field(min_length=1, max_length=63)
    database_name: str = Field(min_length=1, max_length=63)
    adopt_existing: bool = False
    # The password and connection URI the project's create returned for this role (secrets): with
    # both, adopting it needs no call.
    adopt_password: str | None = None
    adopt_connection_uri: str | None = None


class NeonRoleProvider(TypedProvider):
    props_model = RoleProps
    replace_on: ClassVar[frozenset[str]] = frozenset({"project_id", "branch_id", "name"})
    create_only: ClassVar[frozenset[str]] = frozenset({"adopt_existing", "adopt_password", "adopt_connection_uri"})
    name_field = "name"

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = RoleProps.from_values(props)
        if p.adopt_existing and p.adopt_password and p.adopt_connection_uri:
            known = _outputs(p, SecretStr(p.adopt_password), SecretStr(p.adopt_connection_uri))
            return CreateResult(f"{p.branch_id}/{p.name}", {**known, "adopted": True})
        adopted = False
        with self.client() as client:
            try:
                password = client.create_role(p.project_id, p.branch_id, name=p.name).password
            except errors.ConflictError:
                if not p.adopt_existing:
                    raise
                adopted = True
                password = _recover_password(client, p)
            uri = _connection_uri(client, p)
        return CreateResult(f"{p.branch_id}/{p.name}", {**_outputs(p, password, uri), "adopted": adopted})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = RoleProps.from_values(props)
        with self.client() as client:
            try:
                client.get_role(p.project_id, p.branch_id, p.name)
            except errors.NotFoundError:
                return ReadResult(None, {})
        return ReadResult(id_, props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only `database_name` can change in place: it selects the database of the connection URI.
        p = RoleProps.from_values(news)
        with self.client() as client:
            uri = _connection_uri(client, p)
        return UpdateResult({**olds, **news, "connection_uri": uri.get_secret_value()})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("adopted"):
            return  # it came with the project and goes with it (see the module docstring)
        p = RoleProps.from_values(props)
        self.delete_ignoring_gone(lambda client: client.delete_role(p.project_id, p.branch_id, p.name))


def _recover_password(client: NeonClient, p: RoleProps) -> SecretStr:
    try:
        return client.reveal_role_password(p.project_id, p.branch_id, p.name)
    except errors.PreconditionFailedError:  # 412: the project does not store passwords
        return client.reset_role_password(p.project_id, p.branch_id, p.name).password


def _connection_uri(client: NeonClient, p: RoleProps) -> SecretStr:
    return client.get_connection_uri(
        p.project_id, branch_id=p.branch_id, database_name=p.database_name, role_name=p.name
    )


def _outputs(p: RoleProps, password: SecretStr | None, uri: SecretStr) -> dict[str, Any]:
    # Plain strings here; Pulumi encrypts them because they are listed in additional_secret_outputs.
    # The adopt_* inputs are not repeated: they only matter at creation.
    return {
        **p.model_dump(exclude={"adopt_password", "adopt_connection_uri"}),
        "password": password.get_secret_value() if password else None,
        "connection_uri": uri.get_secret_value(),
    }


class NeonRole(Resource, module="neon", name="Role"):
    """A login role on a Neon branch; `password` and `connection_uri` are secrets."""

    password: pulumi.Output[str]
    connection_uri: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        project_id: pulumi.Input[str],
        branch_id: pulumi.Input[str],
        role_name: pulumi.Input[str],
        database_name: pulumi.Input[str],
        adopt_existing: bool = False,
        adopt_password: pulumi.Input[str | None] | None = None,
        adopt_connection_uri: pulumi.Input[str | None] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "project_id": project_id,
            "branch_id": branch_id,
            "name": role_name,
            "database_name": database_name,
            "adopt_existing": adopt_existing,
            "adopt_password": adopt_password,
            "adopt_connection_uri": adopt_connection_uri,
            "password": None,
            "connection_uri": None,
            "adopted": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(NeonRoleProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret_opts))
