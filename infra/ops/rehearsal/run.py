"""`rehearse` and `tear_down`: the whole rehearsal up (idempotent), and everything of it gone.

Layout of the rehearsal directory (`.rehearsal/` in the clone, git-ignored):

    services.json                 the emulator's pid and URL, the cluster's data directory and port
    pgdata/, pg-admin-password    the emulator's PostgreSQL (pg_stat_statements preloaded)
    emulator.log, api-key         the emulator's output; the key it accepts (random, local only)
    passphrase                    the state's passphrase (random; PULUMI_CONFIG_PASSPHRASE_FILE)
    project/, state/, pulumi-home/   the copy of the project, its state backend, its Pulumi home (sandbox.py)
    env.sh                        the environment to source before trying things in project/

Each stack's project is created in an organization of its own (`NEON_ORG_ID`), which the emulator
puts on the plan that stack's file declares: `launch` for staging, `scale` for production.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.config import NeonStack
from infra.config.load import settings_from_stack_file
from infra.masking import mask_uri_passwords
from infra.ops.rehearsal.errors import RehearsalError
from infra.ops.rehearsal.sandbox import Sandbox, stack_files
from infra.ops.rehearsal.services import (
    Services,
    is_emulator,
    secret_file,
    start_emulator,
    start_postgres,
    stop_emulator,
    stop_postgres,
)
from infra.ops.reporter import Reporter
from infra.toolchain.paths import REPO_ROOT

STACKS = ("staging", "production")
OPERATION_SECONDS = 0.5  # quick, but long enough to see operations run


@dataclass(frozen=True)
class Deployed:
    stack: str
    plan: str
    org: str
    project_id: str
    database_url: str  # masked


@dataclass(frozen=True)
class Rehearsal:
    root: Path
    api_url: str
    deployed: list[Deployed]


def _fingerprints(repo: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in stack_files(repo)}


def _plans(repo: Path) -> dict[str, str]:
    plans: dict[str, str] = {}
    for stack in STACKS:
        settings = settings_from_stack_file(repo, stack)
        if not isinstance(settings, NeonStack):
            raise RehearsalError(f"Pulumi.{stack}.yaml does not declare a Neon stack")
        plans[stack] = settings.neon.plan
    return plans


def _services(root: Path, reporter: Reporter) -> Services:
    """The running services, started if needed (a rehearsal already up is reused)."""
    recorded = root / "services.json"
    if recorded.exists():
        services = Services.model_validate_json(recorded.read_text())
        if not is_emulator(services.emulator_pid):
            # Its projects lived in its memory: the rehearsal's state now names projects that are gone.
            raise RehearsalError(
                f"the rehearsal in {root} lost its emulator (pid {services.emulator_pid} is not running)",
                hint="remove it with `make rehearse-down`, then `make rehearse` again",
            )
        reporter.note(f"reusing the running emulator (pid {services.emulator_pid}) at {services.api_url}")
        return services
    plans = _plans(REPO_ROOT)
    orgs = {stack: f"org-rehearsal-{stack}" for stack in STACKS}
    with reporter.working("starting PostgreSQL (pg_stat_statements preloaded)"):
        cluster, dsn = start_postgres(root)
    reporter.step(f"PostgreSQL on 127.0.0.1:{cluster.port} (data {cluster.data_dir})")
    key = secret_file(root / "api-key")
    pid, url = start_emulator(
        root, api_key=key, dsn=dsn, orgs={orgs[s]: plans[s] for s in STACKS}, seconds=OPERATION_SECONDS
    )
    reporter.step(f"Neon emulator at {url} (pid {pid}): " + ", ".join(f"{orgs[s]} on {plans[s]}" for s in STACKS))
    services = Services(pg_data=cluster.data_dir, pg_port=cluster.port, emulator_pid=pid, api_url=url, orgs=orgs)
    recorded.write_text(services.model_dump_json(indent=2) + "\n")
    return services


def stack_env(sandbox: Sandbox, services: Services, stack: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("PULUMI_CONFIG_PASSPHRASE", "NEON_ORG_ID")}
    return sandbox.env(
        base,
        PULUMI_CONFIG_PASSPHRASE_FILE=str(sandbox.root / "passphrase"),
        NEON_API_URL=services.api_url,
        NEON_API_KEY=(sandbox.root / "api-key").read_text().strip(),
        NEON_ORG_ID=services.orgs[stack],
    )


def _deploy(sandbox: Sandbox, services: Services, stack: str, reporter: Reporter) -> Deployed:
    env = stack_env(sandbox, services, stack)
    listed = sandbox.pulumi(["stack", "ls", "--json"], env)
    if stack not in {entry.get("name") for entry in json.loads(listed.stdout or "[]")}:
        _checked(sandbox.pulumi(["stack", "init", stack, "--secrets-provider", "passphrase"], env), stack)
    with reporter.working(f"pulumi up --stack {stack}"):
        _checked(sandbox.pulumi(["up", "--yes", "--skip-preview", "--stack", stack], env), stack)
    outputs = json.loads(
        _checked(sandbox.pulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack], env), stack)
    )
    plan = _plans(REPO_ROOT)[stack]
    url = mask_uri_passwords(str(outputs["database_url"]))
    return Deployed(stack, plan, services.orgs[stack], str(outputs["neon_project_id"]), url)


def _checked(done: subprocess.CompletedProcess[str], stack: str) -> str:
    if done.returncode != 0:
        tail = "\n".join(mask_uri_passwords(done.stdout + done.stderr).strip().splitlines()[-15:])
        command = " ".join(str(arg) for arg in done.args[1:-1])
        raise RehearsalError(f"`pulumi {command}` failed for {stack} (exit {done.returncode}):\n{tail}")
    return done.stdout


def _write_env(sandbox: Sandbox, services: Services) -> Path:
    """`env.sh`: what a shell needs to run `pulumi` in the copy (no NEON_ORG_ID: only creates use it)."""
    env = stack_env(sandbox, services, STACKS[0])
    names = ("PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE_FILE", "NEON_API_URL", "NEON_API_KEY")
    lines = ["# The rehearsal's environment (make rehearse); remove it all with `make rehearse-down`."]
    lines.append(f'export PATH={shlex.quote(str(sandbox.project / ".venv" / "bin"))}:"$PATH"')
    lines += [f"export {name}={shlex.quote(env[name])}" for name in names]
    lines.append("unset PULUMI_CONFIG_PASSPHRASE NEON_ORG_ID")
    path = sandbox.root / "env.sh"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def rehearse(root: Path, reporter: Reporter) -> Rehearsal:
    """Both stacks up on the emulator in `root` (reused when already there); committed files untouched."""
    before = _fingerprints(REPO_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # the PostgreSQL server user (when we are root) must reach pgdata/
    secret_file(root / "passphrase")
    services = _services(root, reporter)
    sandbox = Sandbox.create(root)
    deployed = [_deploy(sandbox, services, stack, reporter) for stack in STACKS]
    _write_env(sandbox, services)
    changed = sorted(name for name, digest in _fingerprints(REPO_ROOT).items() if before.get(name) != digest)
    if changed:  # never expected: every pulumi command ran in the copy
        raise RehearsalError(f"the committed stack files changed during the rehearsal: {', '.join(changed)}")
    return Rehearsal(root, services.api_url, deployed)


def tear_down(root: Path, reporter: Reporter) -> bool:
    """Stop the emulator and the cluster, and delete `root`; False if there was no rehearsal."""
    if not root.exists():
        return False
    recorded = root / "services.json"
    if recorded.exists():
        services = Services.model_validate_json(recorded.read_text())
        if stop_emulator(services.emulator_pid):
            reporter.step(f"stopped the Neon emulator (pid {services.emulator_pid})")
        if stop_postgres(services.pg_data, services.pg_port):
            reporter.step(f"stopped and deleted the rehearsal's PostgreSQL ({services.pg_data})")
    elif (root / "pgdata").exists():
        stop_postgres(root / "pgdata", 0)
    shutil.rmtree(root)
    reporter.step(f"removed {root}")
    return True
