"""Which engine runs the dev database: the one decision (`choose_engine`), and how the program takes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import settings_from_stack_file
from infra.devdb import engine
from infra.devdb.docker import DockerState, DockerStatus
from infra.devdb.engine import ENGINE_ENV, choose_engine, program_engine
from infra.devdb.errors import EngineUnavailableError
from infra.localpg.binaries import PgBinaries
from infra.localpg.datadir import MARKER_NAME
from tests.support.pulumi_project import REPO

NATIVE = PgBinaries(bindir=Path("/usr/lib/postgresql/15/bin"), major=15)
ENGINE = DockerStatus(state=DockerState.ENGINE, reason="a Docker engine answers at unix:///var/run/docker.sock")
NO_ENGINE = DockerStatus(state=DockerState.NO_ENGINE, reason="the docker CLI is installed but no engine answers")
NO_CLI = DockerStatus(state=DockerState.NO_CLI, reason="no docker CLI on PATH")
DEV = settings_from_stack_file(REPO, "dev").dev


@pytest.mark.parametrize(
    ("requested", "docker", "native", "engine"),
    [
        ("auto", ENGINE, NATIVE, "docker"),
        ("auto", ENGINE, None, "docker"),
        ("auto", NO_ENGINE, NATIVE, "native"),
        ("auto", NO_CLI, NATIVE, "native"),
        ("docker", ENGINE, None, "docker"),
        ("native", ENGINE, NATIVE, "native"),
        ("native", NO_CLI, NATIVE, "native"),
    ],
)
def test_choose_engine(requested: str, docker: DockerStatus, native: PgBinaries | None, engine: str) -> None:
    choice = choose_engine(requested, docker, native)

    assert choice.engine == engine


def test_choose_engine__auto_falls_back_to_native_and_says_why() -> None:
    choice = choose_engine("auto", NO_ENGINE, NATIVE)

    assert choice.reason == (
        "no Docker engine (the docker CLI is installed but no engine answers); "
        "using PostgreSQL 15 binaries at /usr/lib/postgresql/15/bin"
    )


@pytest.mark.parametrize("docker", [NO_ENGINE, NO_CLI])
def test_choose_engine__forced_docker_unavailable(docker: DockerStatus) -> None:
    with pytest.raises(EngineUnavailableError) as exc:
        choose_engine("docker", docker, NATIVE)

    assert str(exc.value).startswith(f"Docker was requested but {docker.reason}.")
    assert "sudo systemctl start docker" in str(exc.value)


def test_choose_engine__forced_native_unavailable() -> None:
    with pytest.raises(EngineUnavailableError) as exc:
        choose_engine("native", ENGINE, None)

    assert "no PostgreSQL server binaries were found" in str(exc.value)
    assert "apt-get install postgresql" in str(exc.value)


def test_choose_engine__nothing_available_names_both_fixes() -> None:
    with pytest.raises(EngineUnavailableError) as exc:
        choose_engine("auto", NO_CLI, None)

    message = str(exc.value)
    assert message.startswith("No database engine is available: no docker CLI on PATH")
    assert "start Docker" in message
    assert "sudo apt-get install postgresql" in message
    assert "brew install postgresql@17" in message


def test_choose_engine__an_existing_native_cluster_sticks() -> None:
    choice = choose_engine("auto", ENGINE, NATIVE, native_cluster=".dev/pgdata")
    assert (choice.engine, choice.reason) == ("native", "a native dev cluster already exists in .dev/pgdata")
    assert choose_engine("docker", ENGINE, NATIVE, native_cluster=".dev/pgdata").engine == "docker"


@pytest.fixture
def detection(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every detection the program makes (none, when onboarding already decided)."""
    made: list[str] = []

    def detect() -> DockerStatus:
        made.append("docker")
        return NO_ENGINE

    def binaries(_data_dir: Path, _major: int | None) -> PgBinaries:
        made.append("binaries")
        return NATIVE

    monkeypatch.setattr(engine, "detect_docker", detect)
    monkeypatch.setattr(engine, "pick_binaries", binaries)
    return made


@pytest.mark.parametrize("decided", ["docker", "native"])
def test_program_engine__takes_onboardings_choice_without_deciding_again(
    decided: str, detection: list[str], tmp_path: Path
) -> None:
    choice = program_engine(DEV, tmp_path, {ENGINE_ENV: decided})
    assert (choice.engine, choice.reason) == (decided, f"chosen before this run ({ENGINE_ENV}={decided})")
    assert detection == []


def test_program_engine__decides_with_choose_engine_when_nothing_was_decided(
    detection: list[str], tmp_path: Path
) -> None:
    choice = program_engine(DEV, tmp_path, {})
    assert choice.engine == "native"
    assert choice.reason.startswith("no Docker engine (the docker CLI is installed but no engine answers)")
    assert detection == ["binaries", "docker"]
    (tmp_path / ".dev" / "pgdata").mkdir(parents=True)
    (tmp_path / ".dev" / "pgdata" / MARKER_NAME).write_text("{}")
    assert program_engine(DEV, tmp_path, {ENGINE_ENV: "auto"}).reason == (
        "a native dev cluster already exists in .dev/pgdata"
    )


def test_program_engine__a_bad_value_names_the_variable(detection: list[str], tmp_path: Path) -> None:
    with pytest.raises(
        EngineUnavailableError, match=r"WORKSHELF_DEV_ENGINE: must be auto, docker or native \(got 'podman'\)"
    ):
        program_engine(DEV, tmp_path, {ENGINE_ENV: "podman"})
    assert detection == []
