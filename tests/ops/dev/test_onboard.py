"""Onboarding's decisions with fakes: engine choice (Docker path included), prerequisites, the pre-`up`
checks, readiness, `.env` and what it tells the developer. No sockets, subprocesses or sleeps."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from infra.devdb.envfile import read_env_file
from infra.devdb.overrides import DevOverrideError
from infra.localpg import BinariesInstallError, ClusterState, PortHolder
from infra.localpg.datadir import MARKER_NAME
from infra.ops.dev.errors import DevOpsError
from infra.ops.dev.onboard import OnboardOptions, OnboardResult, onboard
from tests.ops.dev.fakes import ENGINE, NO_ENGINE, PASSWORD, World, make_project, make_url, up_events
from tests.support.followup import make
from tests.support.reporter import RecordingReporter


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def run(project: Path, world: World, reporter: RecordingReporter | None = None, **options: object) -> OnboardResult:
    return onboard(project, OnboardOptions.model_validate(options), world.deps(), reporter or RecordingReporter())


def fails(project: Path, world: World, **options: object) -> str:
    with pytest.raises(DevOpsError) as caught:
        run(project, world, **options)
    return str(caught.value)


# -- engine choice ---------------------------------------------------------------------------------


def test_onboard__native_when_no_docker_engine_answers(project: Path) -> None:
    world, reporter = World(), RecordingReporter()
    result = run(project, world, reporter)
    assert result.choice.engine == "native"
    assert "no Docker engine (the docker CLI is installed but no engine answers)" in result.choice.reason
    assert world.pulumi.envs[-1] == {"WORKSHELF_DEV_ENGINE": "native", "WORKSHELF_DEV_PORT": "55432"}
    assert any(step.startswith("engine: native") for step in reporter.steps)
    assert result.location == ".dev/pgdata"


def test_onboard__docker_when_an_engine_answers(project: Path) -> None:
    world = World(docker=ENGINE, binaries=None, which={})
    world.docker_cli.answers["inspect"] = (0, "running\n")
    result = run(project, world)
    assert result.choice.engine == "docker"
    assert result.choice.reason == ENGINE.reason
    assert world.pulumi.envs[-1] == {"WORKSHELF_DEV_ENGINE": "docker", "WORKSHELF_DEV_PORT": "55432"}
    assert result.location == "container workshelf-dev-postgres-55432, volume workshelf-dev-pgdata"
    # No psql on PATH: the summary offers psql inside the container instead.
    assert result.psql == "docker exec -it workshelf-dev-postgres-55432 psql -U workshelf -d workshelf"


def test_onboard__auto_sticks_to_an_existing_native_cluster_even_if_docker_answers(project: Path) -> None:
    (project / ".dev" / "pgdata").mkdir(parents=True)
    (project / ".dev" / "pgdata" / MARKER_NAME).write_text("{}")
    world = World(docker=ENGINE)
    world.native.state = ClusterState.RUNNING
    result = run(project, world)
    assert result.choice.engine == "native"
    assert "already exists in .dev/pgdata" in result.choice.reason


def test_onboard__forced_native_wins_over_docker(project: Path) -> None:
    result = run(project, World(docker=ENGINE), engine="native")
    assert result.choice.engine == "native"
    assert result.choice.reason.startswith("native was requested")


def test_onboard__forced_docker_without_an_engine_says_how_to_start_it(project: Path) -> None:
    message = fails(project, World(), engine="docker")
    assert "Docker was requested but the docker CLI is installed but no engine answers" in message
    assert "start Docker" in message


def test_onboard__refuses_to_switch_a_native_database_to_docker(project: Path) -> None:
    world = World(docker=ENGINE)
    world.pulumi.deploy("native")
    message = fails(project, world, engine="docker")
    assert "runs on the native engine" in message
    assert "would delete the native database" in message
    assert "`--engine native`" in message
    assert not world.pulumi.ran("up")


def test_onboard__refuses_to_drop_a_docker_database_when_docker_is_down(project: Path) -> None:
    world = World(docker=NO_ENGINE)
    world.pulumi.deploy("docker")
    message = fails(project, world)
    assert "runs on Docker (container workshelf-dev-postgres-55432, volume workshelf-dev-pgdata)" in message
    assert "start Docker" in message
    assert not world.pulumi.ran("up")


def test_onboard__refuses_to_switch_a_docker_database_to_forced_native(project: Path) -> None:
    world = World(docker=ENGINE)
    world.pulumi.deploy("docker")
    message = fails(project, world, engine="native")
    assert message.startswith("Your dev database runs on Docker (container workshelf-dev-postgres-55432, volume ")
    assert "but the native engine was chosen (native was requested" in message
    assert "keep it with `--engine docker`" in message
    assert not world.pulumi.ran("up")


def test_onboard__docker_container_of_ours_on_the_port_is_no_conflict(project: Path) -> None:
    world = World(docker=ENGINE, free_ports=set())
    world.pulumi.deploy("docker")
    world.docker_cli.answers["inspect"] = (0, "running\n")
    result = run(project, world)
    assert result.update.describe_changes() == "no changes (3 resources unchanged)"


# -- prerequisites -------------------------------------------------------------------------------


def test_onboard__no_engine_and_no_install_explains_both_fixes(project: Path) -> None:
    world = World(binaries=None)
    message = fails(project, world, install=False)
    assert "No database engine is available" in message
    assert "start Docker" in message
    assert "apt-get install postgresql" in message
    assert "--no-install was given" in message
    assert world.installs == []
    assert world.pulumi.calls == []


def test_onboard__no_engine_installs_postgresql_with_progress(project: Path) -> None:
    world, reporter = World(binaries=None), RecordingReporter()
    result = run(project, world, reporter)
    assert world.installs == ["postgresql"]
    assert "Setting up postgresql-15 ..." in reporter.notes
    assert any("installing them" in step for step in reporter.steps)
    assert result.choice.engine == "native"


def test_onboard__failed_install_still_explains_both_fixes(project: Path) -> None:
    world = World(binaries=None, install_result=BinariesInstallError("Installing PostgreSQL needs root"))
    message = fails(project, world)
    assert "start Docker" in message
    assert "Automatic install was not possible: Installing PostgreSQL needs root" in message


def test_onboard__docker_answering_needs_no_postgresql_binaries(project: Path) -> None:
    world = World(docker=ENGINE, binaries=None)
    run(project, world)
    assert world.installs == []


def test_onboard__missing_server_user_is_explained(project: Path) -> None:
    world = World(run_as_problem="PostgreSQL cannot run as root and the system user 'postgres' does not exist.")
    message = fails(project, world)
    assert message.startswith("1 prerequisite(s) missing:")
    assert "- server user: PostgreSQL cannot run as root" in message
    assert world.pulumi.calls == []


def test_onboard__old_python_is_explained_first(project: Path) -> None:
    world = World(python_version=(3, 10, 12))
    message = fails(project, world)
    assert "this is Python 3.10.12; the project needs 3.11 or newer" in message
    assert "Fix: install Python 3.11+" in message
    assert world.setups == 0


def test_onboard__runs_the_setup_when_the_toolchain_is_missing(project: Path) -> None:
    world, reporter = World(toolchain=["the Pulumi CLI is not installed", None]), RecordingReporter()
    run(project, world, reporter)
    assert world.setups == 1
    assert "running the set-up first (the Pulumi CLI is not installed)" in reporter.steps[0]


def test_onboard__a_setup_that_does_not_fix_the_toolchain_stops_onboarding(project: Path) -> None:
    world = World(toolchain=["the Pulumi CLI is not installed"])
    message = fails(project, world)
    assert "The set-up did not finish (the Pulumi CLI is not installed" in message
    assert world.pulumi.calls == []


# -- checks before `pulumi up` -------------------------------------------------------------------


def test_onboard__port_in_use_names_holder_free_port_and_key(project: Path) -> None:
    world = World(free_ports=set(), holder=PortHolder(pid=777, command="nginx"))
    message = fails(project, world)
    assert message.startswith("Port 55432 on 127.0.0.1 (the dev database's port) is already in use by ")
    assert "another program (pid 777, nginx)" in message
    assert message.splitlines()[1] == (
        "Fix: stop that program, or use another port for your machine only (55433 is free): "
        f"`WORKSHELF_DEV_PORT=55433 make -C {project} onboard` (WORKSHELF_DEV_PORT is remembered in your .env; "
        "Pulumi.dev.yaml stays as committed). Nothing was changed."
    )
    assert not world.pulumi.ran("up")
    assert not (project / ".env").exists()


def test_onboard__our_own_running_cluster_on_the_port_is_no_conflict(project: Path) -> None:
    world = World(free_ports=set())
    world.native.state = ClusterState.RUNNING
    world.pulumi.deploy("native")
    result = run(project, world)
    assert not result.restarted


def test_onboard__our_cluster_running_on_another_port_needs_the_new_port_free(project: Path) -> None:
    world = World(free_ports=set())
    world.native.state, world.native.port = ClusterState.RUNNING, 60000
    assert "already in use" in fails(project, world)


def test_onboard__foreign_data_dir_is_reported_and_left_alone(project: Path) -> None:
    world = World()
    world.native.state, world.native.ours = ClusterState.FOREIGN, False
    world.native.detail = "/p/.dev/pgdata is a PostgreSQL 15 data directory not created by workshelf"
    message = fails(project, world)
    assert message.startswith(".dev/pgdata is not a dev cluster made by this project: /p/.dev/pgdata is a ")
    assert "`mv .dev/pgdata .dev/pgdata.old`" in message
    assert "`workshelf-infra:dev.dataDir`" in message
    assert "Nothing was changed." in message
    assert (world.native.destroyed, world.native.stopped) == (0, 0)
    assert not world.pulumi.ran("up")


def test_onboard__our_cluster_from_another_major_says_which_binaries(project: Path) -> None:
    world = World()
    world.native.state, world.native.detail = ClusterState.FOREIGN, "created by PostgreSQL 15 but the binaries are 16"
    message = fails(project, world)
    assert "made by another PostgreSQL major version" in message
    reset = make("dev-reset", project=project)
    assert f"install PostgreSQL 15 server binaries, or recreate the cluster with `{reset}`" in message


def test_onboard__corrupted_data_dir_suggests_dev_reset_and_deletes_nothing(project: Path) -> None:
    world = World()
    world.native.state, world.native.detail = ClusterState.CORRUPTED, "PG_VERSION is missing or unreadable"
    message = fails(project, world)
    assert message.startswith("The dev cluster in .dev/pgdata is damaged: PG_VERSION is missing")
    assert f"`{make('dev-reset', project=project)}`" in message
    assert "Nothing was deleted." in message
    assert world.native.destroyed == 0


def test_onboard__unwritable_env_fails_before_pulumi_and_keeps_the_file(project: Path) -> None:
    env_file = project / ".env"
    env_file.write_text("# mine\nAPI_TOKEN=abc\n")
    env_file.chmod(0o400)
    world = World()
    message = fails(project, world)
    assert f"{env_file} is not writable" in message
    assert f"`chmod u+w {env_file}`" in message
    assert env_file.read_text() == "# mine\nAPI_TOKEN=abc\n"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o400
    assert not world.pulumi.ran("up")


def test_onboard__read_only_env_that_is_already_right_is_fine(project: Path) -> None:
    world = World()
    world.pulumi.deploy("native")
    env_file = project / ".env"
    env_file.write_text(f"DATABASE_URL={make_url()}\n")
    env_file.chmod(0o400)
    result = run(project, world)
    assert not result.env.changed


# -- up, readiness, .env ----------------------------------------------------------------------------


def test_onboard__only_ever_the_dev_stack_with_refresh(project: Path) -> None:
    world = World()
    run(project, world)
    assert {stack for stack, _args, _env in world.pulumi.calls} == {"dev"}
    ups = [args for _stack, args, _env in world.pulumi.calls if args[0] == "up"]
    assert ups == [("up", "--yes", "--refresh", "--skip-preview", "--json")]


def test_onboard__fresh_env_file_is_created_private(project: Path) -> None:
    world = World()
    result = run(project, world)
    env_file = project / ".env"
    assert read_env_file(env_file) == {"DATABASE_URL": make_url()}
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert result.env.created
    assert result.stack_created
    assert str(result.url) == "postgresql://workshelf:****@127.0.0.1:55432/workshelf"


def test_onboard__probes_the_stack_url_as_the_application_role(project: Path) -> None:
    world = World()
    run(project, world, timeout=7)
    target, timeout = world.probes[0]
    assert (target.host, target.port, target.user, target.dbname, timeout) == ("127.0.0.1", 55432, "workshelf",
                                                                                "workshelf", 7.0)  # fmt: skip
    assert target.password.get_secret_value() == PASSWORD


def test_onboard__not_ready_shows_the_server_log_tail(project: Path) -> None:
    world = World(probe_ok=False)
    message = fails(project, world, timeout=5)
    assert message.startswith("The dev database did not become ready within 5s: not ready after 5s: refused")
    assert "  | FATAL:  oh no" in message
    assert not (project / ".env").exists()


def test_onboard__not_ready_on_docker_shows_docker_logs(project: Path) -> None:
    world = World(docker=ENGINE, probe_ok=False)
    world.docker_cli.answers["logs"] = (0, "initdb: done\nFATAL: boom\n")
    message = fails(project, world)
    assert ("docker", "logs", "--tail", "20", "workshelf-dev-postgres-55432") in world.docker_cli.calls
    assert "  | FATAL: boom" in message


def test_onboard__pulumi_failure_shows_the_providers_message(project: Path) -> None:
    world = World()
    traceback = (
        'Traceback (most recent call last):\n  File "x.py", line 1, in f\n'
        "infra.localpg.errors.StartError: PostgreSQL did not start on 127.0.0.1:55432.\nlast server log lines:\n"
    )
    world.pulumi.up_stdout = up_events({"same": 2}, errors=[traceback, "update failed\n"], result="failed")
    world.pulumi.up_code = 255
    message = fails(project, world)
    assert message == (
        "`pulumi up --stack dev` failed:\nPostgreSQL did not start on 127.0.0.1:55432.\nlast server log lines:"
    )


def test_onboard__second_run_changes_nothing(project: Path) -> None:
    world = World()
    run(project, world)
    before = (project / ".env").read_bytes()
    world.native.state = ClusterState.RUNNING
    reporter = RecordingReporter()
    second = run(project, world, reporter)
    assert not second.env.changed
    assert not second.update.changed
    assert not second.stack_created
    assert "  .env: unchanged" in reporter.notes
    assert (project / ".env").read_bytes() == before


def test_onboard__a_stopped_server_is_reported_as_restarted(project: Path) -> None:
    world = World()
    world.pulumi.deploy("native")
    world.native.state = ClusterState.STOPPED
    world.pulumi.up_stdout = up_events({"update": 1, "same": 2})
    result = run(project, world)
    assert result.restarted
    assert result.update.describe_changes() == "1 updated, 2 unchanged"


def test_onboard__env_not_git_ignored_is_a_warning(project: Path) -> None:
    world, reporter = World(git_ignored=False), RecordingReporter()
    result = run(project, world, reporter)
    assert result.warnings == (".env is not git-ignored, and it holds a password: add the line `.env` to .gitignore",)
    assert any("not git-ignored" in note for note in reporter.notes)


def test_onboard__elapsed_time_comes_from_the_clock(project: Path) -> None:
    world = World()
    result = run(project, world)
    assert result.elapsed_s == pytest.approx(0.25)


def test_onboard__the_password_never_reaches_the_reporter(project: Path) -> None:
    reporter = RecordingReporter()
    run(project, World(), reporter)
    assert PASSWORD not in reporter.text


# -- per-developer overrides ------------------------------------------------------------------------


def test_onboard__a_port_from_the_environment_is_used_and_remembered_in_env_file(project: Path) -> None:
    world = World(environ={"WORKSHELF_DEV_PORT": "55433"})
    world.pulumi.next_url = make_url(55433)
    committed = (project / "Pulumi.dev.yaml").read_bytes()
    result = run(project, world)
    assert world.pulumi.envs[-1] == {"WORKSHELF_DEV_ENGINE": "native", "WORKSHELF_DEV_PORT": "55433"}
    assert result.url.port == 55433
    assert read_env_file(project / ".env") == {"DATABASE_URL": make_url(55433), "WORKSHELF_DEV_PORT": "55433"}
    assert (project / "Pulumi.dev.yaml").read_bytes() == committed
    # Later commands without the variable read it back from .env.
    again = World(pulumi=world.pulumi)
    assert run(project, again).url.port == 55433
    assert again.pulumi.envs[-1]["WORKSHELF_DEV_PORT"] == "55433"


def test_onboard__a_bad_override_stops_before_anything(project: Path) -> None:
    world = World(environ={"WORKSHELF_DEV_ENGINE": "podman"})
    with pytest.raises(DevOverrideError, match=r"^WORKSHELF_DEV_ENGINE: must be auto, docker or native"):
        run(project, world)
    assert world.pulumi.calls == [] or not world.pulumi.ran("up")
    assert not (project / ".env").exists()
