"""`make onboard`: from a fresh clone to a database that answers at the DATABASE_URL in `.env`.

Steps: set-up if needed, prerequisites, engine choice, checks that nothing would fail halfway, `pulumi up
--refresh --stack dev` (which also restarts a stopped server), a real readiness probe, then `.env`.
Idempotent: a second run changes nothing. Only the dev stack, in the local backend, is ever touched.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.config import EngineRequest
from infra.devdb.context import DevContext
from infra.devdb.docker import DockerStatus, container_logs, container_state
from infra.devdb.engine import ENGINE_ENV, EngineChoice, choose_engine
from infra.devdb.envfile import EnvFileUpdate, update_env_file
from infra.devdb.errors import DevDbError, EnvFileError
from infra.devdb.native import has_native_cluster
from infra.devdb.overrides import PORT_ENV, read_overrides
from infra.devdb.url import DatabaseUrl
from infra.localpg import ClusterState, ClusterStatus, PgBinaries, ProbeResult, ProbeTarget
from infra.ops.dev import preflight, prereqs
from infra.ops.dev.deps import OnboardDeps, default_deps
from infra.ops.dev.errors import DevOpsError
from infra.ops.dev.host import Host
from infra.ops.dev.stack import (
    DEV_STACK,
    StackView,
    load_dev,
    read_stack,
)
from infra.ops.followup import make_command
from infra.ops.pulumi import PulumiPort
from infra.ops.pulumi_events import UpdateReport, parse_events
from infra.ops.reporter import Reporter

__all__ = ["Engine", "OnboardDeps", "OnboardOptions", "OnboardResult", "default_deps", "onboard"]

_LOG_LINES = 20
_UP_ARGS = ("up", "--yes", "--refresh", "--skip-preview", "--json")


class OnboardOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    engine: EngineRequest | None = None  # None: the stack file's `engine` (auto by default)
    timeout: float = 60.0  # readiness probe, seconds
    install: bool = True  # may install PostgreSQL server binaries (Debian/Ubuntu, root or sudo)


class OnboardResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    project_dir: Path  # the clone: follow-up commands name it, so that they run from anywhere
    choice: EngineChoice
    location: str  # the data directory (native) or the container and volume (Docker)
    url: DatabaseUrl
    env: EnvFileUpdate
    update: UpdateReport
    stack_created: bool
    restarted: bool = False  # the server existed but was stopped, and now runs again
    server_version: str | None
    elapsed_s: float
    psql: str
    warnings: tuple[str, ...] = ()


def onboard(project_dir: Path, options: OnboardOptions, deps: OnboardDeps, report: Reporter) -> OnboardResult:
    started = deps.clock()
    ensure_toolchain(deps, report)
    ctx = load_dev(project_dir, deps.environ)
    engine = choose(ctx, options, deps, report)
    # The program reads the same settings: the engine chosen here and the port in force (README: overrides).
    pulumi = deps.pulumi({ENGINE_ENV: engine.choice.engine, PORT_ENV: str(ctx.dev.port)})
    was_stopped = check_before_up(ctx, engine, read_stack(pulumi), deps.host)
    warnings = git_warnings(ctx, deps)
    for warning in warnings:
        report.note(f"warning: {warning}")
    created, update = apply_dev_stack(pulumi, report)
    url = stack_url(read_stack(pulumi))
    ready = wait_ready(ctx, engine, url, deps, timeout=options.timeout, report=report)
    env = write_env(ctx, url, report, read_overrides(deps.environ, ctx.env_file).from_environment())
    return OnboardResult(
        project_dir=ctx.project_dir,
        choice=engine.choice,
        location=ctx.location(engine.choice.engine),
        url=url,
        env=env,
        update=update,
        stack_created=created,
        restarted=was_stopped,
        server_version=ready.server_version,
        elapsed_s=deps.clock() - started,
        psql=psql_command(ctx, engine, deps.which),
        warnings=warnings,
    )


def ensure_toolchain(deps: OnboardDeps, report: Reporter) -> None:
    """Python first (nothing else can help), then the set-up when the virtualenv or Pulumi CLI is missing."""
    python = prereqs.python_check(deps.python_version)
    if not python.ok:
        raise DevOpsError(prereqs.failed_checks_message([python]))
    problem = deps.toolchain_problem()
    if problem is None:
        return
    report.step(f"running the set-up first ({problem}): bash scripts/setup.sh — the first time this takes minutes")
    code = deps.run_setup()
    still = deps.toolchain_problem()
    if code != 0 or still is not None:
        raise DevOpsError(
            f"The set-up did not finish ({still or problem}; exit code {code}); its output above says why.\n"
            f"Fix what it reports, then re-run `{make_command('onboard')}`."
        )


@dataclass(frozen=True)
class Engine:
    """The engine chosen, and what was found on the way (Docker's state, the native binaries)."""

    choice: EngineChoice
    docker: DockerStatus
    binaries: PgBinaries | None


def choose(ctx: DevContext, options: OnboardOptions, deps: OnboardDeps, report: Reporter) -> Engine:
    """Check the prerequisites and pick the engine (Docker when it answers, else native), saying why."""
    report.step("checking prerequisites")
    requested: EngineRequest = options.engine or ctx.dev.engine
    docker = deps.host.detect_docker()
    found = deps.host.find_binaries(ctx.data_dir, ctx.dev.pg_major)
    binaries = prereqs.native_binaries(
        requested,
        docker,
        found,
        allow_install=options.install,
        installer=deps.install_binaries,
        report=report,
    )
    existing = ctx.dev.data_dir if has_native_cluster(ctx.data_dir) else None
    try:
        choice = choose_engine(requested, docker, binaries, native_cluster=existing)
    except DevDbError as exc:  # EngineUnavailableError's message names every fix
        raise DevOpsError(str(exc)) from None
    checks = [prereqs.python_check(deps.python_version), prereqs.engine_check(docker, binaries)]
    if choice.engine == "native":
        checks.append(prereqs.run_as_check(deps.run_as_problem()))
    for check in checks:
        report.note(check.line())
    if not all(check.ok for check in checks):
        raise DevOpsError(prereqs.failed_checks_message(checks))
    report.step(f"engine: {choice.engine} — {choice.reason}")
    return Engine(choice=choice, docker=docker, binaries=binaries)


def check_before_up(ctx: DevContext, engine: Engine, stack: StackView, host: Host) -> bool:
    """Every reason `pulumi up` would fail halfway or do harm, before it runs; raises the first found.

    Returns whether our server exists but is stopped (after a reboot or `make dev-down`): `up` starts it.
    """
    choice = engine.choice.engine
    problems = [preflight.engine_switch_problem(stack.engine, engine.choice, ctx, engine.docker)]
    native: ClusterStatus | None = None
    if choice == "native" and engine.binaries is not None:
        native = host.native(ctx.native_spec(), engine.binaries).status()
        problems.append(preflight.data_dir_problem(native, ctx))
    container = container_state(host.docker, ctx.container) if choice == "docker" else "unknown"
    problems.append(preflight.port_problem(ctx, choice, host, native=native, container=container))
    problems.append(preflight.env_file_problem(ctx))
    for problem in problems:
        if problem is not None:
            raise DevOpsError(problem)
    if native is not None:
        return native.state is ClusterState.STOPPED
    return container == "stopped"


def git_warnings(ctx: DevContext, deps: OnboardDeps) -> tuple[str, ...]:
    if deps.git_ignored(ctx.env_file) is False:
        return (".env is not git-ignored, and it holds a password: add the line `.env` to .gitignore",)
    return ()


def apply_dev_stack(pulumi: PulumiPort, report: Reporter) -> tuple[bool, UpdateReport]:
    created = pulumi.ensure_stack(DEV_STACK)
    report.step(("created the dev stack (local backend); " if created else "") + "pulumi up --refresh --stack dev")
    with report.working("pulumi up --stack dev"):
        result = pulumi.run(DEV_STACK, _UP_ARGS, check=False)
    update = parse_events(result.stdout, result.stderr)
    if not update.succeeded or result.returncode != 0:
        details = "\n".join(update.errors)
        raise DevOpsError(f"`pulumi up --stack dev` failed:\n{details}")
    report.note(f"  {update.describe_changes()}")
    return created, update


def stack_url(stack: StackView) -> DatabaseUrl:
    url = stack.url
    if url is None:
        raise DevOpsError("`pulumi up --stack dev` succeeded but the stack has no usable database_url output")
    return url


def wait_ready(
    ctx: DevContext, engine: Engine, url: DatabaseUrl, deps: OnboardDeps, *, timeout: float, report: Reporter
) -> ProbeResult:
    """TCP connect and `SELECT 1` as the application role; on failure, the server's last log lines."""
    target = ProbeTarget(port=url.port, user=url.user, password=url.password, dbname=url.database, host=url.host)
    with report.working(f"waiting for the database at {url.host}:{url.port} (TCP, then SELECT 1)"):
        result = deps.probe(target, timeout)
    if result.ok:
        report.note(f"  ready: SELECT 1 answered ({result.latency_s or 0:.3f}s) by PostgreSQL {result.server_version}")
        return result
    lines = server_log(ctx, engine, deps.host)
    shown = "\n".join(f"  | {line}" for line in lines) or "  (no log lines)"
    raise DevOpsError(
        f"The dev database did not become ready within {timeout:g}s: {result.error}\n"
        f"Last server log lines:\n{shown}\n"
        f"Fix: read the log above; `{make_command('dev-reset', repo=ctx.project_dir)}` recreates the database if it "
        "is damaged (its data is lost)."
    )


def server_log(ctx: DevContext, engine: Engine, host: Host) -> list[str]:
    if engine.choice.engine == "docker":
        return container_logs(host.docker, ctx.container, _LOG_LINES)
    if engine.binaries is None:
        return []
    return host.native(ctx.native_spec(), engine.binaries).log_tail(_LOG_LINES)


def write_env(
    ctx: DevContext, url: DatabaseUrl, report: Reporter, overrides: dict[str, str] | None = None
) -> EnvFileUpdate:
    """DATABASE_URL, and the overrides given in the environment, so that later commands keep them."""
    try:
        update = update_env_file(ctx.env_file, {"DATABASE_URL": url.render(), **(overrides or {})})
    except EnvFileError as exc:
        again = make_command("onboard", repo=ctx.project_dir)
        raise DevOpsError(f"{exc}\nThe database itself is running; re-run `{again}` once .env is fixed.") from None
    if update.created:
        report.note(f"  created {ctx.env_file.name} (mode 0600) with DATABASE_URL")
    elif update.changed:
        report.note(f"  {ctx.env_file.name}: DATABASE_URL {'added' if update.added else 'updated'}; other lines kept")
    else:
        report.note(f"  {ctx.env_file.name}: unchanged")
    return update


def psql_command(ctx: DevContext, engine: Engine, which: Callable[[str], str | None]) -> str:
    """A psql command that reads the URL from .env, so the password is never printed."""
    from_env = f'"$(grep -m1 ^DATABASE_URL= {shlex.quote(str(ctx.env_file))} | cut -d= -f2-)"'
    if which("psql"):
        return f"psql {from_env}"
    if engine.choice.engine == "native" and engine.binaries is not None:
        return f"{shlex.quote(str(engine.binaries.psql))} {from_env}"
    return f"docker exec -it {ctx.container} psql -U {ctx.dev.role} -d {ctx.dev.database}"
