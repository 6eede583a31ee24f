"""Checks made before `pulumi up` touches anything: each returns None, or a message saying what to do.

They catch what would otherwise fail halfway (or worse, succeed): a port taken by another program, a
data directory that is not ours or is damaged, a switch of engine that would delete the database, a
`.env` we could not write after all the work.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from infra.config import EngineName
from infra.devdb.context import DevContext
from infra.devdb.docker import ContainerState, DockerStatus
from infra.devdb.engine import EngineChoice
from infra.devdb.envfile import read_env_file
from infra.devdb.errors import EnvFileError
from infra.devdb.overrides import PORT_ENV
from infra.devdb.url import LOOPBACK, DatabaseUrl
from infra.localpg import ClusterState, ClusterStatus
from infra.ops.dev.host import Host
from infra.ops.dev.stack import DATA_DIR_KEY, STACK_FILE
from infra.ops.followup import cli_command, make_command

__all__ = ["data_dir_problem", "engine_switch_problem", "env_file_problem", "port_problem"]


def _destroy(ctx: DevContext) -> str:
    return f"`{make_command('dev-destroy', repo=ctx.project_dir)}` (or `{cli_command('dev', 'destroy')}`)"


def engine_switch_problem(
    deployed: EngineName | None, choice: EngineChoice, ctx: DevContext, docker: DockerStatus
) -> str | None:
    """Refuse an engine switch: `pulumi up` would delete the database on the engine in use."""
    if deployed is None or deployed == choice.engine:
        return None
    if deployed == "native":
        return (
            f"Your dev database runs on the native engine (data in {ctx.dev.data_dir}), but the Docker "
            f"engine was chosen ({choice.reason}). Switching would delete the native database and its data.\n"
            f"Fix: keep it with `--engine native`, or remove it first with {_destroy(ctx)} (its data is lost), "
            "then onboard again with `--engine docker`."
        )
    where = f"Your dev database runs on Docker (container {ctx.container}, volume {ctx.dev.volume})"
    if docker.answers:
        return (
            f"{where}, but the native engine was chosen ({choice.reason}). Switching would delete the Docker "
            f"database and its data.\nFix: keep it with `--engine docker`, or remove it first with {_destroy(ctx)} "
            "(its data is lost), then onboard again with `--engine native`."
        )
    return (
        f"{where}, but {docker.reason}. "
        "Switching to the native engine would delete the Docker database and its data.\n"
        "Fix: start Docker (Docker Desktop, or `sudo systemctl start docker`) and re-run "
        f"`{make_command('onboard', repo=ctx.project_dir)}`; or remove the Docker database with {_destroy(ctx)} "
        "while Docker runs (its data is lost), then onboard "
        "with `--engine native`."
    )


def data_dir_problem(status: ClusterStatus, ctx: DevContext) -> str | None:
    """A foreign or corrupted native data directory: say what was found; nothing is ever deleted here."""
    where = ctx.dev.data_dir
    if status.state is ClusterState.FOREIGN and status.ours:
        major = status.marker.major if status.marker else "another"
        return (
            f"The dev cluster in {where} was made by another PostgreSQL major version: {status.detail}.\n"
            f"Fix: install PostgreSQL {major} server binaries, or recreate the cluster with "
            f"`{make_command('dev-reset', repo=ctx.project_dir)}` "
            "(its data is lost). Nothing was changed."
        )
    if status.state is ClusterState.FOREIGN:
        return (
            f"{where} is not a dev cluster made by this project: {status.detail}.\n"
            f"Fix: move it away (e.g. `mv {where} {where}.old`), or set `{DATA_DIR_KEY}` in {STACK_FILE} to "
            "another path under .dev/. Nothing was changed."
        )
    if status.state is ClusterState.CORRUPTED:
        return (
            f"The dev cluster in {where} is damaged: {status.detail}.\n"
            f"Fix: `{make_command('dev-reset', repo=ctx.project_dir)}` (or `{cli_command('dev', 'reset')}`) "
            "deletes and recreates it (its data is "
            "lost); or move it away to inspect it. Nothing was deleted."
        )
    return None


def port_problem(
    ctx: DevContext,
    engine: EngineName,
    host: Host,
    *,
    native: ClusterStatus | None = None,
    container: ContainerState = "unknown",
) -> str | None:
    """The configured port must be free, unless our own dev server for this engine already listens on it."""
    port = ctx.dev.port
    if engine == "native" and native is not None and native.state is ClusterState.RUNNING and native.port == port:
        return None
    if engine == "docker" and container == "running":
        return None
    if host.port_free(port):
        return None
    holder = host.port_holder(port)
    who = f"another program (pid {holder.pid}, {holder.command})" if holder else "another program"
    alternative = host.next_free_port(port + 1)
    override = {PORT_ENV: str(alternative) if alternative else "<free port>"}
    again = make_command("onboard", env=override, repo=ctx.project_dir)
    free = f" ({alternative} is free)" if alternative else ""
    return (
        f"Port {port} on 127.0.0.1 (the dev database's port) is already in use by {who}.\n"
        f"Fix: stop that program, or use another port for your machine only{free}: `{again}` "
        f"({PORT_ENV} is remembered in your .env; {STACK_FILE} stays as committed). Nothing was changed."
    )


def env_file_problem(ctx: DevContext) -> str | None:
    """`.env` must be writable, unless it already points at this database (then nothing needs writing)."""
    path = ctx.env_file
    if not path.exists():
        if _writable(path.parent):
            return None
        return f"The directory {path.parent} is not writable, so .env cannot be created. Nothing was changed."
    if not path.is_file():
        return f"{path} is not a regular file, so DATABASE_URL cannot be written to it. Nothing was changed."
    if _writable(path) or _already_right(path, ctx):
        return None
    return (
        f"{path} is not writable, so DATABASE_URL cannot be written to it.\n"
        f"Fix: `chmod u+w {shlex.quote(str(path))}`, then re-run `{make_command('onboard', repo=ctx.project_dir)}` "
        "(it keeps your other lines). "
        "Nothing was changed."
    )


def _already_right(path: Path, ctx: DevContext) -> bool:
    """Whether the DATABASE_URL in `path` points at this database (a read-only .env then needs no write)."""
    try:
        current = read_env_file(path).get("DATABASE_URL")
    except EnvFileError:
        return False
    return current is not None and _points_at(current, ctx)


def _points_at(url: str, ctx: DevContext) -> bool:
    try:
        parsed = DatabaseUrl.parse(url)
    except ValueError:
        return False
    dev = ctx.dev
    return (parsed.host, parsed.port, parsed.user, parsed.database) == (
        LOOPBACK,
        dev.port,
        dev.role,
        dev.database,
    )


def _writable(path: Path) -> bool:
    # As infra.devdb.envfile does: root could write anything, so for root the owner's write bit decides
    # (a file someone made read-only is a decision we do not override).
    if os.geteuid() == 0:
        return bool(path.stat().st_mode & stat.S_IWUSR)
    return os.access(path, os.W_OK)
