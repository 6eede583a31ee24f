"""`LocalPostgres`: the developer's native PostgreSQL cluster, managed as a Pulumi resource.

`read` (refresh) reports whether the server runs; a stopped server (after a reboot, or `make
dev-down`) makes the next diff an update, and `update` starts it again, so `pulumi up --refresh`
(what `make onboard` runs) repairs it. The data directory is relative to the project directory
(the provider's working directory) and its removal on delete only ever touches our own cluster.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from infra.devdb.native import NativeDatabase, NativeSpec
from infra.localpg import ClusterState
from infra.providers.base import ProviderProps, TypedProvider

SECRET_OUTPUTS = ["password"]


class LocalPostgresProps(ProviderProps, NativeSpec):
    """The resource's inputs are the native spec itself (`LocalPostgresProps.from_settings(dev)`); its
    relative data directory is resolved against the working directory the engine starts providers in,
    the project directory."""


class LocalPostgresProvider(TypedProvider):
    props_model = LocalPostgresProps
    replace_on: ClassVar[frozenset[str]] = frozenset({"data_dir"})
    create_only: ClassVar[frozenset[str]] = frozenset({"major"})

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = LocalPostgresProps.from_values(props)
        password = secrets.token_urlsafe(24)
        result = NativeDatabase(p).ensure_running(password)
        outs = {
            **p.model_dump(),
            "password": password,
            "host": "127.0.0.1",
            "running": True,
            "server_major": result.server_major,
        }
        return CreateResult(f"local-postgres-{p.port}", outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = LocalPostgresProps.from_values(props)
        status = NativeDatabase(p).status()
        if status.state is ClusterState.ABSENT:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "running": status.state is ClusterState.RUNNING, "state": str(status.state)})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        if olds.get("running") is False and not result.changes:
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        return result

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = LocalPostgresProps.from_values(news)
        password = str(olds.get("password") or secrets.token_urlsafe(24))
        result = NativeDatabase(p).ensure_running(password)
        return UpdateResult(
            {
                **olds,
                **p.model_dump(),
                "password": password,
                "running": True,
                "state": "running",
                "server_major": result.server_major,
            }
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        NativeDatabase(LocalPostgresProps.from_values(props)).destroy()


class LocalPostgres(Resource, module="local", name="Postgres"):
    """A native PostgreSQL cluster with one role and database; `password` is a secret."""

    password: pulumi.Output[str]
    host: pulumi.Output[str]
    server_major: pulumi.Output[int]

    def __init__(self, name: str, props: LocalPostgresProps, opts: pulumi.ResourceOptions | None = None) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        outputs = {"password": None, "host": None, "running": None, "server_major": None, "state": None}
        super().__init__(
            LocalPostgresProvider(),
            name,
            {**props.model_dump(), **outputs},
            pulumi.ResourceOptions.merge(opts, secret),
        )
