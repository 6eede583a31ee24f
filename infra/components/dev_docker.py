"""The dev database on Docker: a pinned `postgres:<major>` image, a named volume, a health-checked container."""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

from infra.config import DevSettings
from infra.devdb.docker import container_name
from infra.devdb.url import LOOPBACK


def healthcheck_command(dev: DevSettings) -> str:
    """Healthy means accepting TCP connections *and* answering a real query, not just a listening port."""
    target = f"-h 127.0.0.1 -U {dev.role} -d {dev.database}"
    return f"pg_isready {target} && psql {target} -tAc 'SELECT 1'"


def data_path(dev: DevSettings) -> str:
    # The official image moved PGDATA under a versioned directory in postgres:18.
    return "/var/lib/postgresql" if dev.pg_major >= 18 else "/var/lib/postgresql/data"


def docker_postgres(
    name: str, dev: DevSettings, password: pulumi.Output[str], parent: pulumi.Resource
) -> docker.Container:
    child = pulumi.ResourceOptions(parent=parent)
    image = docker.RemoteImage(f"{name}-image", name=dev.image, keep_locally=True, opts=child)
    volume = docker.Volume(f"{name}-volume", name=dev.volume, opts=child)
    return docker.Container(
        f"{name}-container",
        name=container_name(dev.port),
        image=image.image_id,
        envs=[
            f"POSTGRES_USER={dev.role}",
            f"POSTGRES_DB={dev.database}",
            pulumi.Output.concat("POSTGRES_PASSWORD=", password),
        ],
        ports=[docker.ContainerPortArgs(internal=5432, external=dev.port, ip=LOOPBACK)],
        volumes=[docker.ContainerVolumeArgs(volume_name=volume.name, container_path=data_path(dev))],
        healthcheck=docker.ContainerHealthcheckArgs(
            tests=["CMD-SHELL", healthcheck_command(dev)],
            interval="2s",
            timeout="5s",
            retries=30,
            start_period="3s",
        ),
        restart="unless-stopped",
        wait=True,  # pulumi up returns only once the health check passes
        wait_timeout=120,
        opts=child,
    )
