# ruff: noqa: E501  # the table of bad values, one per line with its exact message
"""Per-developer overrides (WORKSHELF_DEV_PORT, WORKSHELF_DEV_ENGINE): the environment, then .env, then the
stack file; a bad value is one error naming the variable and where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import settings_from_stack_file
from infra.devdb.overrides import DevOverrideError, dev_settings, read_overrides
from tests.support.pulumi_project import REPO

DEV = settings_from_stack_file(REPO, "dev").dev


def test_nothing_set_keeps_the_stack_file(tmp_path: Path) -> None:
    assert dev_settings(DEV, tmp_path, {}) == DEV


def test_the_environment_wins_over_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WORKSHELF_DEV_PORT=55500\nWORKSHELF_DEV_ENGINE=docker\n")
    assert (dev_settings(DEV, tmp_path, {}).port, dev_settings(DEV, tmp_path, {}).engine) == (55500, "docker")
    overridden = dev_settings(DEV, tmp_path, {"WORKSHELF_DEV_PORT": " 55433 ", "WORKSHELF_DEV_ENGINE": "native"})
    assert (overridden.port, overridden.engine) == (55433, "native")
    assert overridden.database == DEV.database


def test_only_what_came_from_the_environment_is_recorded(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WORKSHELF_DEV_ENGINE=docker\n")
    overrides = read_overrides({"WORKSHELF_DEV_PORT": "55433"}, tmp_path / ".env")
    assert overrides.from_environment() == {"WORKSHELF_DEV_PORT": "55433"}


BAD = [
    ({"WORKSHELF_DEV_PORT": "abc"}, "", "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got 'abc', from environment)"),
    ({"WORKSHELF_DEV_PORT": "80"}, "", "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got '80', from environment)"),
    ({"WORKSHELF_DEV_PORT": "70000"}, "", "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got '70000', from environment)"),
    ({"WORKSHELF_DEV_PORT": "-1"}, "", "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got '-1', from environment)"),
    ({"WORKSHELF_DEV_PORT": "5e4"}, "", "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got '5e4', from environment)"),
    ({"WORKSHELF_DEV_PORT": "٥٥٤٣٣"}, "", "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got '٥٥٤٣٣', from environment)"),
    ({}, "WORKSHELF_DEV_PORT=55432x\n", "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got '55432x', from .env)"),
    ({"WORKSHELF_DEV_ENGINE": "podman"}, "", "WORKSHELF_DEV_ENGINE: must be auto, docker or native (got 'podman', from environment)"),
    ({"WORKSHELF_DEV_ENGINE": "Docker"}, "", "WORKSHELF_DEV_ENGINE: must be auto, docker or native (got 'Docker', from environment)"),
    ({}, "WORKSHELF_DEV_ENGINE=[bold]x[/]\n", "WORKSHELF_DEV_ENGINE: must be auto, docker or native (got '[bold]x[/]', from .env)"),
]  # fmt: skip


@pytest.mark.parametrize(("env", "dotenv", "message"), BAD)
def test_bad_values_name_the_variable(tmp_path: Path, env: dict[str, str], dotenv: str, message: str) -> None:
    (tmp_path / ".env").write_text(dotenv)
    with pytest.raises(DevOverrideError) as caught:
        dev_settings(DEV, tmp_path, env)
    assert caught.value.message == message
