"""`DevDatabase`: the developer's local PostgreSQL, on Docker or native, with the same outputs."""

from __future__ import annotations

import pulumi

from infra.components.outputs import DatabaseOutputs
from infra.config import DevSettings
from infra.devdb.engine import EngineChoice
from infra.devdb.url import LOOPBACK, dev_url
from infra.providers.local_postgres import LocalPostgres, LocalPostgresProps
from infra.providers.secret import GeneratedPassword


class DevDatabase(pulumi.ComponentResource):
    """Local PostgreSQL on the loopback address and the configured port, never reachable from other machines."""

    def __init__(self, name: str, dev: DevSettings, engine: EngineChoice, opts: pulumi.ResourceOptions | None = None):
        super().__init__("workshelf:dev:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        password: pulumi.Output[str]
        if engine.engine == "docker":
            from infra.components.dev_docker import docker_postgres

            password = GeneratedPassword(f"{name}-password", opts=child).value
            docker_postgres(name, dev, password, parent=self)
        else:
            server = LocalPostgres(
                f"{name}-postgres",
                LocalPostgresProps.from_settings(dev),
                child,
            )
            password = server.password
        url = password.apply(lambda pw: dev_url(dev, pw).render())
        self.outputs = DatabaseOutputs(
            database_url=pulumi.Output.secret(url),
            host=pulumi.Output.from_input(LOOPBACK),
            database=pulumi.Output.from_input(dev.database),
            role=pulumi.Output.from_input(dev.role),
        )
        self.register_outputs({"engine": engine.engine})
