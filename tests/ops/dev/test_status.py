"""`status`, `dev down`, `dev reset` and `dev destroy` with fakes: states, masking, confirmation, deletion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.localpg import ClusterState
from infra.localpg.datadir import MARKER_NAME
from infra.ops.dev import status as devstatus
from infra.ops.dev.errors import DevOpsError
from infra.ops.dev.onboard import OnboardOptions
from tests.ops.dev.fakes import ENGINE, PASSWORD, World, make_project, make_url
from tests.support.followup import make
from tests.support.reporter import RecordingReporter


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def deployed_native(project: Path, state: ClusterState = ClusterState.RUNNING) -> World:
    world = World()
    world.pulumi.deploy("native")
    world.native.state = state
    (project / ".dev" / "pgdata").mkdir(parents=True)
    (project / ".dev" / "pgdata" / MARKER_NAME).write_text("{}")
    return world


# -- status ---------------------------------------------------------------------------------------


def test_status__running_native_database(project: Path) -> None:
    world = deployed_native(project)
    (project / ".env").write_text(f"OTHER=1\nDATABASE_URL={make_url()}\n")
    status = devstatus.get_status(project, world.deps())
    assert status.model_dump() == {
        "environment": "dev", "stack": True, "engine": "native", "state": "running", "detail": "running",
        "location": ".dev/pgdata", "port": 55432, "database": "workshelf", "role": "workshelf",
        "database_url": "postgresql://workshelf:****@127.0.0.1:55432/workshelf", "ready": True,
        "env_file": "in sync",
    }  # fmt: skip
    assert world.probes[0][1] == 3.0


def test_status__masks_the_password_in_every_format_by_default(project: Path) -> None:
    status = devstatus.get_status(project, deployed_native(project).deps())
    for output in ("text", "env", "json"):
        rendered = devstatus.render_status(status, output)  # type: ignore[arg-type]
        assert PASSWORD not in rendered
        assert "postgresql://workshelf:****@127.0.0.1:55432/workshelf" in rendered


def test_status__env_output_is_shell_safe_and_says_it_is_masked(project: Path) -> None:
    status = devstatus.get_status(project, deployed_native(project).deps())
    assert devstatus.render_status(status, "env").splitlines() == [
        "# DATABASE_URL's password is masked: add --show-secrets for the real value",
        "WORKSHELF_ENV=dev",
        "WORKSHELF_DEV_ENGINE=native",
        "WORKSHELF_DEV_STATE=running",
        "WORKSHELF_DEV_PORT=55432",
        "DATABASE_URL='postgresql://workshelf:****@127.0.0.1:55432/workshelf'",
    ]


def test_status__show_secrets_gives_the_real_url(project: Path) -> None:
    status = devstatus.get_status(project, deployed_native(project).deps(), show_secrets=True)
    assert status.database_url == make_url()
    rendered = devstatus.render_status(status, "env")
    assert f"DATABASE_URL={make_url()}" in rendered.splitlines()
    assert not rendered.startswith("#")
    assert json.loads(devstatus.render_status(status, "json"))["database_url"] == make_url()


def test_status__stopped_database_is_not_probed(project: Path) -> None:
    world = deployed_native(project, ClusterState.STOPPED)
    status = devstatus.get_status(project, world.deps())
    assert (status.state, status.ready, status.env_file) == ("stopped", None, "no .env")
    assert world.probes == []


def test_status__nothing_yet(project: Path) -> None:
    status = devstatus.get_status(project, World().deps())
    assert (status.stack, status.engine, status.state, status.database_url) == (False, None, "absent", None)
    text = devstatus.render_status(status, "text")
    assert "none yet: `make onboard` creates it" in text


def test_status__env_file_states(project: Path) -> None:
    world = deployed_native(project)
    (project / ".env").write_text("OTHER=1\n")
    assert devstatus.get_status(project, world.deps()).env_file == "no DATABASE_URL"
    (project / ".env").write_text(f"DATABASE_URL={make_url(password='old')}\n")
    assert devstatus.get_status(project, world.deps()).env_file == "differs"
    world.pulumi.engine, world.pulumi.url = None, None
    assert devstatus.get_status(project, world.deps()).env_file == "stale"


def test_status__docker_container_state(project: Path) -> None:
    world = World(docker=ENGINE)
    world.pulumi.deploy("docker")
    world.docker_cli.answers["inspect"] = (0, "exited\n")
    status = devstatus.get_status(project, world.deps())
    assert (status.engine, status.state, status.location) == (
        "docker", "stopped", "container workshelf-dev-postgres-55432, volume workshelf-dev-pgdata"
    )  # fmt: skip


def test_status__text_table_is_aligned(project: Path) -> None:
    status = devstatus.get_status(project, deployed_native(project).deps())
    lines = devstatus.render_status(status, "text").splitlines()
    assert lines[0] == "  environment   dev"
    assert lines[3] == "  state         running"
    assert all(line[:2] == "  " and line[15] == " " and line[16] != " " for line in lines)


# -- down -----------------------------------------------------------------------------------------


def test_down__stops_a_running_native_database_and_keeps_the_data(project: Path) -> None:
    world = deployed_native(project)
    message = devstatus.down(project, world.deps())
    assert world.native.stopped == 1
    assert world.native.destroyed == 0
    assert message.startswith("stopped the dev database (data kept in .dev/pgdata")


def test_down__already_stopped_is_a_no_op(project: Path) -> None:
    world = deployed_native(project, ClusterState.STOPPED)
    assert devstatus.down(project, world.deps()) == "the dev database is already stopped: nothing to stop"
    assert world.native.stopped == 0


def test_down__without_a_database(project: Path) -> None:
    assert "nothing to stop" in devstatus.down(project, World().deps())


def test_down__docker_stops_the_container(project: Path) -> None:
    world = World(docker=ENGINE)
    world.pulumi.deploy("docker")
    world.docker_cli.answers["stop"] = (0, "workshelf-dev-postgres-55432\n")
    message = devstatus.down(project, world.deps())
    assert ("docker", "stop", "workshelf-dev-postgres-55432") in world.docker_cli.calls
    assert message == "stopped container workshelf-dev-postgres-55432 (data kept in volume workshelf-dev-pgdata)"


def test_down__refuses_a_corrupted_cluster(project: Path) -> None:
    world = deployed_native(project, ClusterState.CORRUPTED)
    with pytest.raises(DevOpsError, match="is damaged"):
        devstatus.down(project, world.deps())


# -- confirmation ---------------------------------------------------------------------------------


def test_confirm__yes_skips_the_question() -> None:
    asked: list[str] = []
    assert devstatus.confirm_destructive("destroy", "x", yes=True, interactive=False, ask=asked.append)  # type: ignore[arg-type]
    assert asked == []


def test_confirm__refuses_without_a_terminal() -> None:
    with pytest.raises(DevOpsError) as caught:
        devstatus.confirm_destructive("reset", "your dev database", yes=False, interactive=False, ask=lambda _p: True)
    assert str(caught.value) == (
        "`reset` deletes your dev database and all its data; this shell is not interactive, so it cannot ask. "
        f"Re-run with --yes to confirm (e.g. `{make('dev-reset', 'ARGS=--yes')}`). Nothing was changed."
    )


def test_confirm__asks_and_honours_the_answer() -> None:
    prompts: list[str] = []

    def no(prompt: str) -> bool:
        prompts.append(prompt)
        return False

    assert not devstatus.confirm_destructive("destroy", "your db", yes=False, interactive=True, ask=no)
    assert prompts == ["`destroy` deletes your db and all its data. Continue?"]


# -- destroy and reset ----------------------------------------------------------------------------


def test_destroy__runs_pulumi_destroy_on_the_dev_stack_only(project: Path) -> None:
    world = deployed_native(project)
    found = devstatus.removable(project, world.deps())
    assert found.describe() == "your dev database (native engine: .dev/pgdata)"
    message = devstatus.destroy(found, world.deps(), RecordingReporter())
    destroys = [(stack, args) for stack, args, _env in world.pulumi.calls if args[0] == "destroy"]
    assert destroys == [("dev", ("destroy", "--yes", "--skip-preview", "--json"))]
    assert message.startswith("removed the dev stack's resources (3 deleted)")
    # The fake's marker is still there (no real provider ran): the leftover cluster is removed directly.
    assert world.native.destroyed == 1


def test_destroy__a_cluster_without_state_is_removed_by_its_marker(project: Path) -> None:
    world = deployed_native(project)
    world.pulumi.engine = None
    message = devstatus.destroy(devstatus.removable(project, world.deps()), world.deps(), RecordingReporter())
    assert not world.pulumi.ran("destroy")
    assert message.startswith("removed the native cluster in .dev/pgdata")


def test_destroy__nothing_to_remove(project: Path) -> None:
    world = World()
    found = devstatus.removable(project, world.deps())
    assert found.engine is None
    assert devstatus.destroy(found, world.deps(), RecordingReporter()) == "there is no dev database: nothing to remove"


def test_destroy__refuses_a_foreign_data_dir_before_asking(project: Path) -> None:
    world = World()
    (project / ".dev" / "pgdata").mkdir(parents=True)
    world.native.state, world.native.ours = ClusterState.FOREIGN, False
    with pytest.raises(DevOpsError, match="never delete it"):
        devstatus.removable(project, world.deps())
    assert world.native.destroyed == 0


def test_destroy__pulumi_failure_is_reported(project: Path) -> None:
    world = deployed_native(project)
    world.pulumi.destroy_stdout = json.dumps({"summaryEvent": {"resourceChanges": {}, "result": "failed"}})
    with pytest.raises(DevOpsError, match="pulumi destroy --stack dev` failed"):
        devstatus.destroy(devstatus.removable(project, world.deps()), world.deps(), RecordingReporter())


def test_reset__destroys_then_onboards_on_the_same_engine(project: Path) -> None:
    world = deployed_native(project)
    (project / ".dev" / "pgdata" / MARKER_NAME).unlink()  # as the real provider's delete leaves it
    world.docker = ENGINE  # Docker answers now, but the database was native: reset keeps native
    world.native.state = ClusterState.ABSENT
    found = devstatus.removable(project, world.deps())
    result = devstatus.reset(project, found, OnboardOptions(), world.deps(), RecordingReporter())
    verbs = [args[0] for _stack, args, _env in world.pulumi.calls if args[0] in ("destroy", "up")]
    assert verbs == ["destroy", "up"]
    assert result.choice.engine == "native"
    assert (project / ".env").exists()
