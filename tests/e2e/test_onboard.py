"""`make onboard` / `python -m infra onboard` end to end: a temp clone, the real Pulumi CLI, real PostgreSQL.

Each test gets its own copy of the project (a git work tree, so `.env` is checked against .gitignore)
on a free port, never the developer's 55432, and removes its database afterwards; except the tests of an
already onboarded database, which share one (`onboarded`, in file order: the last one removes it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from infra.devdb.envfile import read_env_file
from infra.devdb.native import NativeDatabase, NativeSpec
from infra.localpg import ClusterState, LocalPgError, find_binaries, install_hint
from infra.localpg.datadir import MARKER_NAME
from tests.support.e2e import unavailable
from tests.support.ports import pick_free_port
from tests.support.pulumi_project import REPO, require_pulumi

pytestmark = pytest.mark.e2e

_COPIED = (
    "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml", "__main__.py",
    "requirements.txt", "pyproject.toml", ".gitignore", "Makefile",
)  # fmt: skip
# Variables of the developer's shell that must not leak into the clone's runs.
_DROPPED = ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE",
            "PULUMI_ACCESS_TOKEN", "WORKSHELF_DEV_ENGINE", "DOCKER_HOST", "MAKEFLAGS", "MFLAGS")  # fmt: skip


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Clone:
    """A temporary clone of the project whose dev database listens on `port`."""

    root: Path
    port: int
    env: dict[str, str]

    @property
    def env_file(self) -> Path:
        return self.root / ".env"

    @property
    def data_dir(self) -> Path:
        return self.root / ".dev" / "pgdata"

    def infra(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
        return self._run([str(self.root / ".venv" / "bin" / "python"), "-m", "infra", *args], env, timeout)

    def make(self, *args: str) -> Run:
        return self._run(["make", "--no-print-directory", *args], None, 600)

    def database(self) -> NativeDatabase:
        return NativeDatabase(
            NativeSpec(data_dir=str(self.data_dir), port=self.port, database="workshelf", role="workshelf", major=17)
        )

    def database_url(self) -> str:
        return read_env_file(self.env_file)["DATABASE_URL"]

    def _run(self, argv: list[str], env: dict[str, str] | None, timeout: float) -> Run:
        started = time.monotonic()
        done = subprocess.run(
            argv, cwd=self.root, env=env or self.env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


@contextlib.contextmanager
def _fresh_clone() -> Iterator[Clone]:
    require_pulumi()
    if find_binaries() is None:
        unavailable(f"no PostgreSQL server binaries; install: {install_hint()}")
    # Not pytest's tmp_path: the server user (we may be root) must traverse every parent directory.
    base = Path(tempfile.mkdtemp(prefix="workshelf-onboard-"))
    root = base / "clone"
    made = _make_clone(base, root)
    try:
        yield made
    finally:
        _remove_database(made)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def clone() -> Iterator[Clone]:
    with _fresh_clone() as made:
        yield made


@dataclass
class Onboarded:
    clone: Clone
    first: Run  # the `onboard` that made its database


@pytest.fixture(scope="module")
def onboarded() -> Iterator[Onboarded]:
    """One onboarded clone for the tests below that run `onboard` on an existing database and leave it
    running as they found it (each onboard costs seconds: a `pulumi up`)."""
    with _fresh_clone() as made:
        yield Onboarded(made, made.infra("onboard"))


def _make_clone(base: Path, root: Path) -> Clone:
    root.mkdir()
    for name in _COPIED:
        shutil.copy2(REPO / name, root / name)
    for folder in ("infra", "scripts"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".venv").symlink_to(REPO / ".venv")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    port = pick_free_port()
    stack_file = root / "Pulumi.dev.yaml"
    text, count = re.subn(r"(?m)^(\s+port:\s*)55432\b", rf"\g<1>{port}", stack_file.read_text())
    assert count == 1, "Pulumi.dev.yaml's dev port was not found"
    stack_file.write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED and not k.startswith("NEON_")}
    env |= {
        "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_HOME": str(base / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
        # No Docker engine, wherever the tests run: auto must pick native and say why.
        "DOCKER_HOST": f"unix://{base}/no-docker.sock",
    }
    return Clone(root=root, port=port, env=env)


def _remove_database(made: Clone) -> None:
    """Leave no server running: the CLI first, then the cluster itself if anything is left of ours."""
    if not made.data_dir.exists():
        return  # no data directory: no server of this clone can be running (and the clone is deleted next)
    made.infra("dev", "destroy", "--yes")
    if (made.data_dir / MARKER_NAME).exists():
        with contextlib.suppress(LocalPgError):
            made.database().destroy()


def assert_connects(url: str) -> None:
    with psycopg.connect(url, connect_timeout=10) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def password_of(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


def assert_clean_failure(run: Run, *needles: str) -> None:
    assert run.returncode != 0, run.output
    assert "Traceback" not in run.output, run.output
    for needle in needles:
        assert needle in run.stderr, f"{needle!r} not in:\n{run.stderr}"


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# -- the happy paths ------------------------------------------------------------------------------


def test_fresh_clone__make_onboard_creates_env_and_a_database_that_answers(clone: Clone) -> None:
    run = clone.make("onboard")
    assert run.returncode == 0, run.output
    print(f"first onboard (make onboard, setup included): {run.seconds:.1f}s")
    url = clone.database_url()
    assert_connects(url)
    assert url == f"postgresql://workshelf:{password_of(url)}@127.0.0.1:{clone.port}/workshelf"
    assert stat.S_IMODE(clone.env_file.stat().st_mode) == 0o600
    assert password_of(url) not in run.output
    assert f"postgresql://workshelf:****@127.0.0.1:{clone.port}/workshelf" in run.stdout
    assert "engine        native: no Docker engine" in run.stdout
    make = f"make -C {clone.root}"
    for command in (f"{make} dev-down", f"{make} dev-reset", f"{make} dev-destroy", "psql", "took"):
        assert command in run.stdout
    assert "not git-ignored" not in run.output
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=clone.root, check=False)
    assert ignored.returncode == 0


def test_existing_env__other_keys_comments_and_order_are_kept(clone: Clone) -> None:
    before = (
        "# WorkShelf local settings\n"
        "SECRET_KEY='keep me'\n"
        "\n"
        "export FEATURE_FLAGS=a,b   # inline comment\n"
        "DATABASE_URL=postgresql://someone:old@127.0.0.1:5432/old\n"
        "# trailing comment\n"
        "LAST=1\n"
    )
    clone.env_file.write_text(before)
    clone.env_file.chmod(0o644)
    run = clone.infra("onboard")
    assert run.returncode == 0, run.output
    after = clone.env_file.read_text().splitlines()
    url = clone.database_url()
    expected = before.splitlines()
    expected[4] = f"DATABASE_URL={url}"
    assert after == expected
    assert stat.S_IMODE(clone.env_file.stat().st_mode) == 0o600  # tightened: it now holds a password
    assert_connects(url)
    assert "DATABASE_URL updated in place" in run.stdout


def test_second_run__is_fast_and_changes_nothing(onboarded: Onboarded) -> None:
    clone, first = onboarded.clone, onboarded.first
    assert first.returncode == 0, first.output
    env_before = (clone.env_file.read_bytes(), clone.env_file.stat().st_mtime_ns)
    pid_before = clone.database().status().pid
    second = clone.infra("onboard")
    assert second.returncode == 0, second.output
    print(f"first onboard: {first.seconds:.1f}s; second: {second.seconds:.1f}s")
    assert ".env unchanged" in second.stdout
    assert "no changes (3 resources unchanged)" in second.stdout
    assert (clone.env_file.read_bytes(), clone.env_file.stat().st_mtime_ns) == env_before
    assert clone.database().status().pid == pid_before  # the server was not restarted
    assert_connects(clone.database_url())


def test_status__json_and_env_outputs_mask_the_password(onboarded: Onboarded) -> None:
    clone = onboarded.clone
    assert onboarded.first.returncode == 0
    url = clone.database_url()
    as_json = clone.infra("status", "-o", "json")
    assert as_json.returncode == 0, as_json.output
    status = json.loads(as_json.stdout)
    assert status | {"detail": ""} == {
        "environment": "dev", "stack": True, "engine": "native", "state": "running", "detail": "",
        "location": ".dev/pgdata", "port": clone.port, "database": "workshelf", "role": "workshelf",
        "database_url": f"postgresql://workshelf:****@127.0.0.1:{clone.port}/workshelf", "ready": True,
        "env_file": "in sync",
    }  # fmt: skip
    as_env = clone.infra("status", "-o", "env")
    assert password_of(url) not in as_env.output
    assert f"WORKSHELF_DEV_STATE=running\nWORKSHELF_DEV_PORT={clone.port}\n" in as_env.stdout
    shown = clone.infra("status", "-o", "env", "--show-secrets")
    assert f"DATABASE_URL={url}" in shown.stdout.splitlines()


def test_stopped_server__is_started_again(onboarded: Onboarded) -> None:
    clone = onboarded.clone
    assert onboarded.first.returncode == 0
    assert clone.database().stop().state is ClusterState.STOPPED  # as after a reboot
    run = clone.infra("onboard")
    assert run.returncode == 0, run.output
    print(f"repair of a stopped server: {run.seconds:.1f}s")
    assert "the stopped server was started again" in run.stdout
    assert ".env unchanged" in run.stdout
    assert clone.database().status().state is ClusterState.RUNNING
    assert_connects(clone.database_url())


def test_down_then_destroy__asks_for_yes_and_removes_everything(onboarded: Onboarded) -> None:
    clone = onboarded.clone  # the last test of the shared clone: it removes its database
    assert onboarded.first.returncode == 0
    down = clone.infra("dev", "down")
    assert down.returncode == 0, down.output
    assert json.loads(clone.infra("status", "-o", "json").stdout)["state"] == "stopped"
    refused = clone.infra("dev", "destroy")  # stdin is not a terminal: it must not guess
    assert_clean_failure(refused, "--yes", "Nothing was changed")
    assert (clone.data_dir / MARKER_NAME).exists()
    destroyed = clone.infra("dev", "destroy", "--yes")
    assert destroyed.returncode == 0, destroyed.output
    assert not clone.data_dir.exists()
    assert json.loads(clone.infra("status", "-o", "json").stdout)["state"] == "absent"


def test_never_touches_staging_or_production(clone: Clone) -> None:
    elsewhere = clone.root.parent / "team-backend"
    elsewhere.mkdir()
    hostile = clone.env | {
        "PULUMI_BACKEND_URL": f"file://{elsewhere}", "PULUMI_CONFIG_PASSPHRASE": "team-secret",
        "NEON_API_KEY": "neon-key-must-not-be-used", "NEON_API_URL": "http://127.0.0.1:9/",
    }  # fmt: skip
    local_env = hostile | {"PULUMI_BACKEND_URL": f"file://{clone.root / '.pulumi-state'}"}
    (clone.root / ".pulumi-state").mkdir()
    for env in (hostile, local_env):  # a staging stack in the team backend and in the local one
        subprocess.run(
            ["pulumi", "stack", "init", "staging", "--secrets-provider", "passphrase", "--non-interactive"],
            cwd=clone.root, env=env, check=True, capture_output=True,
        )  # fmt: skip
    team_before, local_before = tree(elsewhere), tree(clone.root / ".pulumi-state")
    staging_file = (clone.root / "Pulumi.staging.yaml").read_bytes()
    run = clone.infra("onboard", env=hostile)
    assert run.returncode == 0, run.output
    assert tree(elsewhere) == team_before  # nothing created or changed in the team's backend
    local = tree(clone.root / ".pulumi-state")
    staging = {k: v for k, v in local.items() if "staging" in k}
    assert staging
    assert staging == {k: v for k, v in local_before.items() if "staging" in k}
    assert (clone.root / "Pulumi.staging.yaml").read_bytes() == staging_file
    assert any(k.endswith("stacks/workshelf-infra/dev.json") for k in local)
    assert "neon-key-must-not-be-used" not in "".join(v.decode(errors="replace") for v in local.values())
    assert_connects(clone.database_url())


# -- the failure modes: each fails cleanly, says what to do, and changes nothing -----------------


def test_port_in_use__names_the_holder_and_the_printed_override_command_works(clone: Clone) -> None:
    committed = (clone.root / "Pulumi.dev.yaml").read_bytes()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", clone.port))
        squatter.listen()
        run = clone.infra("onboard")
        assert_clean_failure(run, f"Port {clone.port} on 127.0.0.1", f"pid {os.getpid()}", "is free): `")
        assert not clone.env_file.exists()
        assert not clone.data_dir.exists()
        # The fix it prints, run as printed (from another directory): the developer's own port.
        printed = re.search(r"`(WORKSHELF_DEV_PORT=(\d+) make -C \S+ onboard)`", run.stderr)
        assert printed, run.stderr
        fixed = subprocess.run(
            ["sh", "-c", printed[1]], cwd="/", env=clone.env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    port = int(printed[2])
    assert clone.database_url().endswith(f"@127.0.0.1:{port}/workshelf")
    assert_connects(clone.database_url())
    assert read_env_file(clone.env_file)["WORKSHELF_DEV_PORT"] == str(port)
    assert (clone.root / "Pulumi.dev.yaml").read_bytes() == committed
    # Later commands read the port back from .env: status sees the same database.
    status = clone.infra("status", "-o", "json")
    assert status.returncode == 0, status.output
    assert json.loads(status.stdout)["port"] == port


def test_no_docker_and_no_postgresql__explains_both_fixes(clone: Clone) -> None:
    # A private mount namespace where /usr/lib/postgresql is empty (pg_config then points at nothing).
    hide = 'mount -t tmpfs none /usr/lib/postgresql && exec "$@"'
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "-", "true"],
                           capture_output=True, check=False)  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"cannot hide the PostgreSQL binaries here (needs root and unshare): {probe.stderr!r}")
    python = str(clone.root / ".venv" / "bin" / "python")
    started = time.monotonic()
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "-", python, "-m", "infra", "onboard",
         "--no-install"],
        cwd=clone.root, env=clone.env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    run = Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    assert_clean_failure(run, "No database engine is available", "start Docker", "apt-get install", "--no-install")
    assert not clone.env_file.exists()
    assert not clone.data_dir.exists()


def test_foreign_data_dir__is_left_alone(clone: Clone) -> None:
    clone.data_dir.mkdir(parents=True)
    (clone.data_dir / "PG_VERSION").write_text("15\n")
    (clone.data_dir / "base").mkdir()
    (clone.data_dir / "base" / "1").write_bytes(b"somebody's data")
    before = tree(clone.data_dir)
    run = clone.infra("onboard")
    assert_clean_failure(run, "is not a dev cluster made by this project", "workshelf-infra:dev.dataDir",
                         "Nothing was changed")  # fmt: skip
    assert tree(clone.data_dir) == before
    assert not clone.env_file.exists()


def test_corrupted_data_dir__is_reported_then_dev_reset_repairs_it(clone: Clone) -> None:
    clone.data_dir.mkdir(parents=True)
    marker = {"major": 15, "port": clone.port, "owner": "postgres", "superuser": "workshelf_admin",
              "socket_dir": str(clone.data_dir), "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    (clone.data_dir / MARKER_NAME).write_text(json.dumps(marker))
    before = tree(clone.data_dir)
    run = clone.infra("onboard")
    assert_clean_failure(run, "is damaged", "PG_VERSION", f"make -C {clone.root} dev-reset", "Nothing was deleted")
    assert tree(clone.data_dir) == before
    reset = clone.infra("dev", "reset", "--yes")
    assert reset.returncode == 0, reset.output
    assert_connects(clone.database_url())


def test_unwritable_env__fails_before_anything_and_leaves_it_unchanged(clone: Clone) -> None:
    clone.env_file.write_text("# mine\nAPI_TOKEN=abc\n")
    clone.env_file.chmod(0o400)
    before = clone.env_file.read_bytes()
    run = clone.infra("onboard")
    assert_clean_failure(run, "is not writable", f"chmod u+w {clone.env_file}", "Nothing was changed")
    assert clone.env_file.read_bytes() == before
    assert stat.S_IMODE(clone.env_file.stat().st_mode) == 0o400
    assert not clone.data_dir.exists()
