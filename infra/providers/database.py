"""`NeonDatabase`: a database on a branch. Renames and owner changes happen in place.

`adopt_existing` takes over a database of that name that already exists (the one Neon created with
the project; without a call when the project handed on its id) instead of failing with 409; it is
explicit so that nobody else's database is ever taken over by accident. A database that was taken
over is *released* on delete, not dropped: it came with its project and goes with it. So `pulumi
destroy` of an environment either deletes the whole project or, when Neon refuses (a protected
branch), loses nothing on the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult
from pydantic import Field

from infra.neon import errors
from infra.providers.base import ProviderProps, TypedProvider

if TYPE_CHECKING:
    from infra.neon.models import Database


class DatabaseProps(ProviderProps):
    project_id: str
    branch_id: str
    name: str = Field(min_length=1, max_length=63)
    owner_name: str = Field(min_length=1, max_length=63)
    adopt_existing: bool = False
    # The id the project reported for this database when it created it: adopting it needs no call.
    adopt_database_id: int | None = None


class NeonDatabaseProvider(TypedProvider):
    props_model = DatabaseProps
    replace_on: ClassVar[frozenset[str]] = frozenset({"project_id", "branch_id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"adopt_existing", "adopt_database_id"})

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = DatabaseProps.from_values(props)
        if p.adopt_existing and p.adopt_database_id is not None:
            # Made by the project's create, with these very names (the component passes both).
            view = {"name": p.name, "owner_name": p.owner_name, "database_id": p.adopt_database_id}
            return CreateResult(str(p.adopt_database_id), {**p.model_dump(), **view, "adopted": True})
        # The API models are imported where used: the program and previews (check, diff) never need them.
        from infra.neon.models import DatabaseUpdate

        adopted = False
        with self.client() as client:
            try:
                database = client.create_database(p.project_id, p.branch_id, name=p.name, owner_name=p.owner_name)
            except errors.ConflictError:
                adopted = True
                if not p.adopt_existing:
                    raise
                database = client.get_database(p.project_id, p.branch_id, p.name)
                if database.owner_name != p.owner_name:
                    database = client.update_database(
                        p.project_id, p.branch_id, p.name, DatabaseUpdate(owner_name=p.owner_name)
                    )
        return CreateResult(str(database.id), {**p.model_dump(), **_server_view(database), "adopted": adopted})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = DatabaseProps.from_values(props)
        with self.client() as client:
            try:
                database = client.get_database(p.project_id, p.branch_id, p.name)
            except errors.NotFoundError:
                return ReadResult(None, {})
        return ReadResult(id_, {**props, **_server_view(database)})

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from infra.neon.models import DatabaseUpdate

        old, new = DatabaseProps.from_values(olds), DatabaseProps.from_values(news)
        changed = self.changed_fields(olds, news)
        fields = {f: getattr(new, f) for f in ("name", "owner_name") if f in changed}
        outs = {**olds, **news}
        if fields:
            with self.client() as client:
                database = client.update_database(new.project_id, new.branch_id, old.name, DatabaseUpdate(**fields))
            outs.update(_server_view(database))
        return UpdateResult(outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("adopted"):
            return  # it came with the project and goes with it (see the module docstring)
        p = DatabaseProps.from_values(props)
        self.delete_ignoring_gone(lambda client: client.delete_database(p.project_id, p.branch_id, p.name))


def _server_view(database: Database) -> dict[str, Any]:
    return {"name": database.name, "owner_name": database.owner_name, "database_id": database.id}


class NeonDatabase(Resource, module="neon", name="Database"):
    """A database on a Neon branch."""

    database_id: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        project_id: pulumi.Input[str],
        branch_id: pulumi.Input[str],
        database_name: pulumi.Input[str],
        owner_name: pulumi.Input[str],
        adopt_existing: bool = False,
        adopt_database_id: pulumi.Input[int | None] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "project_id": project_id,
            "branch_id": branch_id,
            "name": database_name,
            "owner_name": owner_name,
            "adopt_existing": adopt_existing,
            "adopt_database_id": adopt_database_id,
            "database_id": None,
            "adopted": None,
        }
        super().__init__(NeonDatabaseProvider(), name, props, opts)
