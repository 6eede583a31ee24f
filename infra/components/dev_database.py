"""`DevDatabase`: the developer's local PostgreSQL, on Docker or native, with the same outputs."""

from __future__ import annotations

from urllib.parse import quote

import pulumi

from infra.components.outputs import DatabaseOutputs
from infra.config import DevSettings
from infra.devenv import EngineChoice
from infra.providers.local_postgres import LocalPostgres, LocalPostgresProps
from infra.providers.secret import GeneratedPassword


class DevDatabase(pulumi.ComponentResource):
    """Local PostgreSQL on 127.0.0.1:`port`, never reachable from other machines."""

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
                LocalPostgresProps(
                    data_dir=dev.data_dir,
                    port=dev.port,
                    database=dev.database,
                    role=dev.role,
                    major=dev.pg_major,
                ),
                child,
            )
            password = server.password
        url = password.apply(
            lambda pw: (
                f"postgresql://{quote(dev.role, safe='')}:{quote(pw, safe='')}@127.0.0.1:{dev.port}/{dev.database}"
            )
        )
        self.outputs = DatabaseOutputs(
            database_url=pulumi.Output.secret(url),
            host=pulumi.Output.from_input("127.0.0.1"),
            database=pulumi.Output.from_input(dev.database),
            role=pulumi.Output.from_input(dev.role),
        )
        self.register_outputs({"engine": engine.engine})
