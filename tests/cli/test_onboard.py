"""The typer commands: options reach the workflows, results go to stdout, errors to stderr, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.localpg import ClusterState, PortHolder
from infra.localpg.datadir import MARKER_NAME
from tests.ops.dev.fakes import PASSWORD, World, make_project
from tests.support.followup import make


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def world(project: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    made = World()
    monkeypatch.setattr("infra.cli.onboard.REPO_ROOT", project)
    monkeypatch.setattr("infra.cli.onboard.deps", made.deps)
    return made


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("world")
def test_onboard__prints_the_summary_on_stdout_and_progress_on_stderr() -> None:
    code, stdout, stderr = invoke("onboard")
    assert code == 0, stderr
    assert "  DATABASE_URL  postgresql://workshelf:****@127.0.0.1:55432/workshelf" in stdout
    assert "==> checking prerequisites" in stderr
    assert "  environment   dev" not in stderr  # the summary is data: stdout only
    assert PASSWORD not in stdout + stderr


def test_onboard__engine_option_is_passed_on(world: World) -> None:
    code, _stdout, stderr = invoke("onboard", "--engine", "native", "--timeout", "9")
    assert code == 0, stderr
    assert world.pulumi.envs[-1] == {"WORKSHELF_DEV_ENGINE": "native", "WORKSHELF_DEV_PORT": "55432"}
    assert world.probes[0][1] == 9.0


def test_onboard__no_install_is_passed_on(world: World) -> None:
    world.binaries = None
    code, stdout, stderr = invoke("onboard", "--no-install")
    assert code == 1
    assert stdout == ""
    assert "error: No database engine is available" in stderr
    assert world.installs == []


def test_onboard__failure_is_one_message_without_a_traceback(world: World) -> None:
    world.free_ports, world.holder = set(), PortHolder(pid=5, command="postgres")
    code, _stdout, stderr = invoke("onboard")
    assert code == 1
    assert "error: Port 55432 on 127.0.0.1" in stderr
    assert "Traceback" not in stderr


def test_status__env_masks_unless_show_secrets(world: World, project: Path) -> None:
    world.pulumi.deploy("native")
    world.native.state = ClusterState.RUNNING
    (project / ".dev" / "pgdata").mkdir(parents=True)
    code, stdout, _ = invoke("status", "-o", "env")
    assert code == 0
    assert "DATABASE_URL='postgresql://workshelf:****@127.0.0.1:55432/workshelf'" in stdout
    assert PASSWORD not in stdout
    _, shown, _ = invoke("status", "-o", "env", "--show-secrets")
    assert PASSWORD in shown
    _, as_json, _ = invoke("status", "--output", "json")
    assert json.loads(as_json)["state"] == "running"


def test_dev_destroy__refuses_without_yes_when_nobody_can_answer(world: World, project: Path) -> None:
    world.pulumi.deploy("native")
    (project / ".dev" / "pgdata").mkdir(parents=True)
    (project / ".dev" / "pgdata" / MARKER_NAME).write_text("{}")
    code, _stdout, stderr = invoke("dev", "destroy")
    assert code == 1
    assert "this shell is not interactive" in stderr
    assert not world.pulumi.ran("destroy")
    assert world.native.destroyed == 0
    code, _stdout, stderr = invoke("dev", "destroy", "--yes")
    assert code == 0, stderr
    assert world.pulumi.ran("destroy")


def test_dev_reset__refuses_without_yes_when_nobody_can_answer(world: World, project: Path) -> None:
    world.pulumi.deploy("native")
    (project / ".dev" / "pgdata").mkdir(parents=True)
    code, _stdout, stderr = invoke("dev", "reset")
    assert code == 1
    assert f"`{make('dev-reset', 'ARGS=--yes')}`" in stderr
    assert not world.pulumi.ran("destroy")


def test_dev_down__stops_and_says_so(world: World, project: Path) -> None:
    world.pulumi.deploy("native")
    world.native.state = ClusterState.RUNNING
    (project / ".dev" / "pgdata").mkdir(parents=True)
    code, _stdout, stderr = invoke("dev", "down")
    assert code == 0
    assert "stopped the dev database" in stderr
    assert world.native.stopped == 1
