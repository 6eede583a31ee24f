"""The dev database after onboarding: its status, and stop (down), reset and destroy.

Stopping keeps the data (`make onboard` starts it again). Reset and destroy delete it, so the CLI
asks first; they only ever delete what this project created (our marker, or the dev stack's resources).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra.config import EngineName
from infra.devdb.context import DevContext
from infra.devdb.docker import container_state
from infra.devdb.envfile import read_env_file
from infra.devdb.errors import EnvFileError
from infra.devdb.native import has_native_cluster
from infra.devdb.url import DatabaseUrl
from infra.localpg import ClusterState, ProbeTarget
from infra.ops.dev.errors import DevOpsError
from infra.ops.dev.host import NativeHandle
from infra.ops.dev.onboard import OnboardDeps, OnboardOptions, OnboardResult, onboard
from infra.ops.dev.preflight import data_dir_problem
from infra.ops.dev.stack import (
    DEV_STACK,
    StackView,
    load_dev,
    read_stack,
)
from infra.ops.dev.summary import format_table
from infra.ops.followup import make_command
from infra.ops.pulumi_events import parse_events
from infra.ops.reporter import Reporter

__all__ = [
    "DevStatus",
    "Target",
    "confirm_destructive",
    "destroy",
    "down",
    "get_status",
    "removable",
    "render_status",
    "reset",
    "target",
]

State = Literal["running", "stopped", "absent", "foreign", "corrupted", "unknown"]
EnvSync = Literal["in sync", "differs", "no DATABASE_URL", "no .env", "unreadable", "stale"]
_READY_TIMEOUT_S = 3.0
_STATES: dict[ClusterState, State] = {
    ClusterState.RUNNING: "running", ClusterState.STOPPED: "stopped", ClusterState.ABSENT: "absent",
    ClusterState.FOREIGN: "foreign", ClusterState.CORRUPTED: "corrupted",
}  # fmt: skip


@dataclass(frozen=True)
class Target:
    """What the dev commands act on: the settings, the stack's record, the engine in use (None: nothing)."""

    ctx: DevContext
    stack: StackView
    engine: EngineName | None

    @property
    def location(self) -> str:
        return self.ctx.location(self.engine)

    def describe(self) -> str:
        return f"your dev database ({self.engine} engine: {self.location})"


class DevStatus(BaseModel):
    """`python -m infra status`: the dev database's state; `database_url` is masked unless asked."""

    model_config = ConfigDict(frozen=True)

    environment: Literal["dev"] = "dev"
    stack: bool
    engine: EngineName | None
    state: State
    detail: str
    location: str
    port: int
    database: str
    role: str
    database_url: str | None
    ready: bool | None
    env_file: EnvSync


def target(project_dir: Path, deps: OnboardDeps) -> Target:
    ctx = load_dev(project_dir, deps.environ)
    stack = read_stack(deps.pulumi({}))
    engine = stack.engine or ("native" if ctx.data_dir.exists() else None)
    return Target(ctx=ctx, stack=stack, engine=engine)


def get_status(project_dir: Path, deps: OnboardDeps, *, show_secrets: bool = False) -> DevStatus:
    found = target(project_dir, deps)
    ctx, url = found.ctx, found.stack.url
    state, detail = _state(found, deps)
    ready = None
    if state == "running" and url is not None:
        ready = deps.probe(_probe_target(url), _READY_TIMEOUT_S).ok
    shown = None if url is None else (url.render() if show_secrets else url.masked())
    return DevStatus(
        stack=found.stack.exists, engine=found.engine, state=state, detail=detail, location=found.location,
        port=ctx.dev.port, database=ctx.dev.database, role=ctx.dev.role, database_url=shown, ready=ready,
        env_file=_env_sync(ctx, url),
    )  # fmt: skip


def render_status(status: DevStatus, output: Literal["text", "env", "json"]) -> str:
    if output == "json":
        return status.model_dump_json(indent=2)
    if output == "env":
        pairs = {
            "WORKSHELF_ENV": status.environment, "WORKSHELF_DEV_ENGINE": status.engine or "",
            "WORKSHELF_DEV_STATE": status.state, "WORKSHELF_DEV_PORT": str(status.port),
            "DATABASE_URL": status.database_url or "",
        }  # fmt: skip
        masked = status.database_url is not None and ":****@" in status.database_url
        note = ["# DATABASE_URL's password is masked: add --show-secrets for the real value"] if masked else []
        return "\n".join(note + [f"{key}={shlex.quote(value)}" for key, value in pairs.items()])
    ready = {True: "yes (SELECT 1 answered)", False: "no (SELECT 1 failed)", None: "-"}[status.ready]
    return format_table([
        ("environment", status.environment),
        ("stack", "dev (local backend)" if status.stack else "none yet: `make onboard` creates it"),
        ("engine", status.engine or "-"),
        ("state", _state_line(status)),
        ("data", status.location),
        ("DATABASE_URL", status.database_url or "-"),
        ("ready", ready),
        (".env", status.env_file),
    ])  # fmt: skip


def _state_line(status: DevStatus) -> str:
    return status.detail if status.detail.startswith(status.state) else f"{status.state}: {status.detail}"


def down(project_dir: Path, deps: OnboardDeps) -> str:
    """Stop the dev database, keeping its data; says what happened."""
    found = target(project_dir, deps)
    ctx = found.ctx
    if found.engine == "docker":
        code, output = deps.host.docker(["docker", "stop", ctx.container])
        if code == 0:
            return f"stopped container {ctx.container} (data kept in volume {ctx.dev.volume})"
        if "no such" in output.lower():
            return f"container {ctx.container} does not exist: nothing to stop"
        raise DevOpsError(f"`docker stop {ctx.container}` failed: {output.strip()[:300]}")
    if found.engine is None:
        onboard_command = make_command("onboard", repo=ctx.project_dir)
        return f"there is no dev database yet: nothing to stop (`{onboard_command}` creates one)"
    native = _native(ctx, deps)
    status = native.status()
    problem = data_dir_problem(status, ctx)
    if problem is not None:
        raise DevOpsError(problem)
    if status.state is ClusterState.RUNNING:
        native.stop()
        again = make_command("onboard", repo=ctx.project_dir)
        return f"stopped the dev database (data kept in {ctx.dev.data_dir}; `{again}` starts it again)"
    return f"the dev database is already {status.state}: nothing to stop"


def removable(project_dir: Path, deps: OnboardDeps) -> Target:
    """The target of reset/destroy, after refusing a data directory this project did not create."""
    found = target(project_dir, deps)
    if found.engine == "native" and found.ctx.data_dir.exists():
        status = _native(found.ctx, deps).status()
        if status.state is ClusterState.FOREIGN and not status.ours:
            raise DevOpsError(f"{data_dir_problem(status, found.ctx)} (reset and destroy never delete it.)")
    return found


def destroy(found: Target, deps: OnboardDeps, report: Reporter) -> str:
    """Delete the dev database and its data: the stack's resources, then any cluster of ours left behind."""
    ctx, removed = found.ctx, []
    if found.stack.engine is not None:
        with report.working("pulumi destroy --stack dev"):
            result = deps.pulumi({}).run(DEV_STACK, ["destroy", "--yes", "--skip-preview", "--json"], check=False)
        update = parse_events(result.stdout, result.stderr)
        if not update.succeeded or result.returncode != 0:
            raise DevOpsError("`pulumi destroy --stack dev` failed:\n" + "\n".join(update.errors))
        removed.append(f"the dev stack's resources ({update.describe_changes()})")
    # A cluster without state (state lost, or made before the stack): ours only, by its marker.
    if has_native_cluster(ctx.data_dir) and _native(ctx, deps).destroy():
        removed.append(f"the native cluster in {ctx.dev.data_dir}")
    if not removed:
        return "there is no dev database: nothing to remove"
    return (
        f"removed {' and '.join(removed)}. DATABASE_URL in .env now points at nothing; "
        f"`{make_command('onboard', repo=ctx.project_dir)}` creates a new database."
    )


def reset(
    project_dir: Path, found: Target, options: OnboardOptions, deps: OnboardDeps, report: Reporter
) -> OnboardResult:
    """Destroy, then onboard again on the same engine (unless one is forced)."""
    report.step(destroy(found, deps, report))
    engine = options.engine or found.engine
    return onboard(project_dir, options.model_copy(update={"engine": engine}), deps, report)


def confirm_destructive(
    action: str, description: str, *, yes: bool, interactive: bool, ask: Callable[[str], bool]
) -> bool:
    """True to go ahead: `--yes`, or a developer who said yes. Never asks where nobody can answer."""
    if yes:
        return True
    if not interactive:
        raise DevOpsError(
            f"`{action}` deletes {description} and all its data; this shell is not interactive, so it cannot "
            f"ask. Re-run with --yes to confirm (e.g. `{make_command(f'dev-{action}', 'ARGS=--yes')}`). "
            "Nothing was changed."
        )
    return ask(f"`{action}` deletes {description} and all its data. Continue?")


def _native(ctx: DevContext, deps: OnboardDeps) -> NativeHandle:
    binaries = deps.host.find_binaries(ctx.data_dir, ctx.dev.pg_major)
    if binaries is None:
        raise DevOpsError(
            f"No PostgreSQL server binaries are installed, so the native dev database in {ctx.dev.data_dir} "
            f"cannot be managed; `{make_command('onboard', repo=ctx.project_dir)}` explains how to install them."
        )
    return deps.host.native(ctx.native_spec(), binaries)


def _state(found: Target, deps: OnboardDeps) -> tuple[State, str]:
    if found.engine == "docker":
        state = container_state(deps.host.docker, found.ctx.container)
        return state, f"container {found.ctx.container} is {state}"
    if found.engine is None:
        return "absent", f"no dev database yet: `{make_command('onboard', repo=found.ctx.project_dir)}` creates one"
    binaries = deps.host.find_binaries(found.ctx.data_dir, found.ctx.dev.pg_major)
    if binaries is None:
        return "unknown", "no PostgreSQL server binaries are installed to inspect it"
    status = deps.host.native(found.ctx.native_spec(), binaries).status()
    return _STATES[status.state], status.detail


def _env_sync(ctx: DevContext, url: DatabaseUrl | None) -> EnvSync:
    if not ctx.env_file.exists():
        return "no .env"
    try:
        current = read_env_file(ctx.env_file).get("DATABASE_URL")
    except EnvFileError:
        return "unreadable"
    if current is None:
        return "no DATABASE_URL"
    if url is None:  # a DATABASE_URL left from a database that no longer exists
        return "stale"
    return "in sync" if current == url.render() else "differs"


def _probe_target(url: DatabaseUrl) -> ProbeTarget:
    return ProbeTarget(port=url.port, user=url.user, password=url.password, dbname=url.database, host=url.host)
