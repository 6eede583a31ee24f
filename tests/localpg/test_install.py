"""Installing the server from Debian packages: the plan, the run, the failures (never the real apt-get)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from infra.localpg.binaries import PgBinaries
from infra.localpg.errors import BinariesInstallError
from infra.localpg.install import install_binaries, plan_apt_install, run_streaming

BINARIES = PgBinaries(bindir=Path("/usr/lib/postgresql/17/bin"), major=17)


class FakeRunner:
    def __init__(self, codes: Sequence[int] = (0, 0)) -> None:
        self.codes = list(codes)
        self.calls: list[tuple[tuple[str, ...], dict[str, str]]] = []

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], progress: object) -> int:
        self.calls.append((tuple(argv), dict(env)))
        assert callable(progress)
        progress(f"output of {argv[-1]}")
        return self.codes.pop(0)


def test_plan__root_runs_apt_get_directly() -> None:
    plan = plan_apt_install(major=None, euid=0, sudo_works=False, apt_get="/usr/bin/apt-get", platform="linux")

    assert plan.package == "postgresql"
    assert plan.commands == (
        ("/usr/bin/apt-get", "update"),
        ("/usr/bin/apt-get", "install", "-y", "--no-install-recommends", "postgresql"),
    )


def test_plan__passwordless_sudo_keeps_apt_non_interactive() -> None:
    plan = plan_apt_install(major=16, euid=1000, sudo_works=True, apt_get="/usr/bin/apt-get", platform="linux")

    assert plan.commands[1] == (
        "sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive",
        "/usr/bin/apt-get", "install", "-y", "--no-install-recommends", "postgresql-16",
    )  # fmt: skip


def test_plan__sudo_with_password__error_tells_the_command() -> None:
    with pytest.raises(BinariesInstallError) as exc:
        plan_apt_install(major=None, euid=1000, sudo_works=False, apt_get="/usr/bin/apt-get", platform="linux")

    assert "sudo asks for a password" in str(exc.value)
    assert "sudo apt-get install postgresql" in str(exc.value)


def test_plan__macos__error_tells_brew() -> None:
    with pytest.raises(BinariesInstallError) as exc:
        plan_apt_install(major=None, euid=501, sudo_works=True, apt_get=None, platform="darwin")

    assert "brew install postgresql@17" in str(exc.value)


def test_plan__linux_without_apt_get() -> None:
    with pytest.raises(BinariesInstallError, match="no apt-get"):
        plan_apt_install(major=None, euid=0, sudo_works=False, apt_get=None, platform="linux")


def test_install__already_installed__runs_nothing() -> None:
    runner = FakeRunner()

    found = install_binaries(runner=runner, finder=lambda: BINARIES, progress=lambda _l: None)

    assert found == BINARIES
    assert runner.calls == []


def test_install__runs_update_then_install_and_streams_progress() -> None:
    runner = FakeRunner()
    results = iter([None, BINARIES])
    lines: list[str] = []

    found = install_binaries(
        runner=runner, finder=lambda: next(results), progress=lines.append, euid=0, platform="linux",
        sudo_works=lambda: False, apt_get="/usr/bin/apt-get",
    )  # fmt: skip

    assert found == BINARIES
    assert [argv[-1] for argv, _env in runner.calls] == ["update", "postgresql"]
    assert runner.calls[0][1] == {"DEBIAN_FRONTEND": "noninteractive"}
    assert lines == [
        "$ /usr/bin/apt-get update",
        "output of update",
        "$ /usr/bin/apt-get install -y --no-install-recommends postgresql",
        "output of postgresql",
        "PostgreSQL 17 server binaries: /usr/lib/postgresql/17/bin",
    ]


def test_install__failing_command_stops_with_its_exit_code() -> None:
    runner = FakeRunner(codes=[100])

    with pytest.raises(BinariesInstallError) as exc:
        install_binaries(
            runner=runner, finder=lambda: None, progress=lambda _l: None, euid=0, platform="linux",
            sudo_works=lambda: False, apt_get="/usr/bin/apt-get",
        )  # fmt: skip

    assert "`/usr/bin/apt-get update` failed with exit code 100" in str(exc.value)
    assert len(runner.calls) == 1


def test_install__package_installed_but_binaries_missing() -> None:
    with pytest.raises(BinariesInstallError, match="was installed but its server binaries were not found"):
        install_binaries(
            runner=FakeRunner(), finder=lambda: None, progress=lambda _l: None, euid=0, platform="linux",
            sudo_works=lambda: False, apt_get="/usr/bin/apt-get",
        )  # fmt: skip


def test_run_streaming__passes_lines_and_exit_code() -> None:
    lines: list[str] = []

    code = run_streaming(["sh", "-c", 'echo "one $EXTRA"; echo two >&2; exit 3'], {"EXTRA": "x"}, lines.append)

    assert code == 3
    assert lines == ["one x", "two"]
