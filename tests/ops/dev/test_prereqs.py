"""Prerequisite checks: when the set-up must run, Python, and how missing engines are explained."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from infra.localpg import BinariesInstallError
from infra.ops.dev import prereqs
from infra.ops.dev.errors import DevOpsError
from tests.ops.dev.fakes import ENGINE, NATIVE, NO_ENGINE
from tests.support.reporter import RecordingReporter


def toolchain(root: Path, *, venv: bool = True, stamp: str | None = "match", state: bool = True) -> Path:
    (root / "requirements.txt").write_text("pulumi==3.272.0\n")
    if venv:
        (root / ".venv" / "bin").mkdir(parents=True)
        (root / ".venv" / "bin" / "python").write_text("")
    if stamp is not None:
        wanted = hashlib.sha256(b"pulumi==3.272.0\n").hexdigest() if stamp == "match" else stamp
        (root / ".venv").mkdir(exist_ok=True)
        (root / ".venv" / ".requirements.sha256").write_text(wanted + "\n")
    if state:
        (root / ".pulumi-state").mkdir()
    return root


def test_toolchain_problem__ready(tmp_path: Path) -> None:
    assert prereqs.toolchain_problem(toolchain(tmp_path), lambda: "/bin/pulumi") is None


@pytest.mark.parametrize(
    ("setup", "has_pulumi", "problem"),
    [
        ({"venv": False, "stamp": None}, True, "there is no virtualenv in .venv yet"),
        ({"stamp": "0" * 64}, True, "requirements.txt changed since the virtualenv was set up"),
        ({"stamp": None}, True, "requirements.txt changed since the virtualenv was set up"),
        ({}, False, "the Pulumi CLI is not installed"),
        ({"state": False}, True, "the local state backend (.pulumi-state) does not exist yet"),
    ],
)
def test_toolchain_problem__says_why_the_setup_must_run(
    tmp_path: Path, setup: dict[str, object], has_pulumi: bool, problem: str
) -> None:
    root = toolchain(tmp_path, **setup)  # type: ignore[arg-type]
    assert prereqs.toolchain_problem(root, lambda: "/bin/pulumi" if has_pulumi else None) == problem


def test_python_check() -> None:
    assert prereqs.python_check((3, 12, 1)).line() == "  ok       Python: 3.12.1"
    old = prereqs.python_check((3, 9, 2))
    assert not old.ok
    assert old.line().startswith("  missing  Python: this is Python 3.9.2; the project needs 3.11 or newer\n")


def test_engine_check__names_what_was_found() -> None:
    both = prereqs.engine_check(ENGINE, NATIVE)
    assert both.detail == f"Docker ({ENGINE.reason}); PostgreSQL 15 binaries at /usr/lib/postgresql/15/bin"
    assert not prereqs.engine_check(NO_ENGINE, None).ok


def test_native_binaries__not_needed_when_docker_answers() -> None:
    def never(_say: object) -> None:
        raise AssertionError("must not install")

    found = prereqs.native_binaries(
        "auto", ENGINE, None, allow_install=True, installer=never, report=RecordingReporter()
    )  # type: ignore[arg-type]
    assert found is None


def test_native_binaries__forced_native_installs_even_if_docker_answers() -> None:
    reporter = RecordingReporter()
    found = prereqs.native_binaries(
        "native", ENGINE, None, allow_install=True, installer=lambda say: (say("apt-get ..."), NATIVE)[1],
        report=reporter,
    )  # fmt: skip
    assert found == NATIVE
    assert reporter.notes == ["apt-get ..."]


def test_native_binaries__forced_docker_never_installs() -> None:
    def never(_say: object) -> None:
        raise AssertionError("must not install")

    assert prereqs.native_binaries("docker", NO_ENGINE, None, allow_install=True, installer=never,  # type: ignore[arg-type]
                                   report=RecordingReporter()) is None  # fmt: skip


def test_native_binaries__install_failure_is_explained_with_both_fixes() -> None:
    def failing(_say: object) -> None:
        raise BinariesInstallError("Cannot install PostgreSQL automatically here (no apt-get). Run: brew ...")

    with pytest.raises(DevOpsError) as caught:
        prereqs.native_binaries(
            "auto", NO_ENGINE, None, allow_install=True, installer=failing, report=RecordingReporter()
        )  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("No database engine is available: the docker CLI is installed but no engine answers")
    assert message.endswith("Automatic install was not possible: Cannot install PostgreSQL automatically here "
                            "(no apt-get). Run: brew ...")  # fmt: skip


def test_failed_checks_message__lists_every_missing_one() -> None:
    checks = [
        prereqs.Check(name="a", ok=True, detail="fine"),
        prereqs.Check(name="b", ok=False, detail="gone", fix="get it"),
        prereqs.Check(name="c", ok=False, detail="also gone"),
    ]
    assert prereqs.failed_checks_message(checks) == (
        "2 prerequisite(s) missing:\n- b: gone\n  Fix: get it\n- c: also gone"
    )
