"""Follow-up commands run as printed: in a plain shell (no virtualenv, a bare PATH), from another directory,
with arguments that need quoting; and `make setup` installs the `workshelf-infra` console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.ops.followup import cli_command, make_command, pulumi_command
from infra.ops.neon.backups import restore_command
from infra.ops.times import parse_timestamp
from tests.support.followup import PULUMI, WORKSHELF, make
from tests.support.pulumi_project import REPO, VENV_BIN

PLAIN_PATH = "/usr/bin:/bin"


def plain_shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`sh -c COMMAND` as a fresh terminal would run it: no virtualenv, nothing of ours on PATH."""
    environment = {"PATH": PLAIN_PATH, "HOME": os.environ.get("HOME", "/root"), **env}
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_console_script_is_installed_in_the_clones_virtualenv() -> None:
    script = Path(WORKSHELF)
    assert script.is_file()
    assert os.access(script, os.X_OK)
    assert script.read_text().splitlines()[0] == f"#!{VENV_BIN / 'python'}"


def test_commands_name_the_console_script_and_quote_every_argument() -> None:
    assert cli_command("restore", "--stack", "staging", "--yes") == f"{WORKSHELF} restore --stack staging --yes"
    assert cli_command("backup-branch", "--name", "it's a [b]x[/b]") == (
        f"{WORKSHELF} backup-branch --name 'it'\"'\"'s a [b]x[/b]'"
    )
    assert cli_command("status", env={"WORKSHELF_DEV_PORT": "55433"}) == f"WORKSHELF_DEV_PORT=55433 {WORKSHELF} status"
    assert (
        make_command("onboard", env={"WORKSHELF_DEV_PORT": "5 5"}) == f"WORKSHELF_DEV_PORT='5 5' make -C {REPO} onboard"
    )
    assert make_command("dev-reset", "ARGS=--yes", repo=Path("/a b")) == "make -C '/a b' dev-reset ARGS=--yes"
    assert pulumi_command("up", "--stack", "staging") == f"{PULUMI} --cwd {REPO} up --stack staging"


def test_restore_commands_carry_the_point_in_time() -> None:
    point = parse_timestamp("2026-05-04T14:30:00+02:00")
    assert restore_command("production", "br-x-1", point) == (
        f"{WORKSHELF} restore --stack production --from-branch br-x-1 --at 2026-05-04T12:30:00Z --yes"
    )


def test_a_copy_without_its_own_console_script_prints_cd_and_this_python(tmp_path: Path) -> None:
    copy = tmp_path / "my clone"
    assert cli_command("restore", "--help", repo=copy) == (f"cd '{copy}' && {sys.executable} -m infra restore --help")


def test_the_printed_command_runs_in_a_plain_shell_from_another_directory(tmp_path: Path) -> None:
    done = plain_shell(cli_command("restore", "--help"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage: workshelf-infra restore [OPTIONS]" in done.stdout


def test_printed_arguments_reach_the_command_literally(tmp_path: Path) -> None:
    # A stack name that needs quoting and looks like markup comes back exactly as given.
    stack = "it's [bold red]x[/] $HOME"
    done = plain_shell(cli_command("restore", "--stack", stack, "--from-branch", "b", "--yes"), tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        f"error: Invalid value for '--stack' / '-s': {stack!r} is not a stack; "
        "the stacks are dev, staging, production\n"
    )
    assert "Traceback" not in done.stderr


def test_the_fallback_form_runs_in_a_plain_shell_too(tmp_path: Path) -> None:
    done = plain_shell(cli_command("restore", "--help", repo=REPO / "infra" / ".."), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "restore [OPTIONS]" in done.stdout


def test_make_targets_run_from_another_directory(tmp_path: Path) -> None:
    done = plain_shell(make_command("help"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "make onboard" in done.stdout


def test_python_dash_m_infra_keeps_working() -> None:
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "infra", "--help"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "backup-branch" in done.stdout


def test_make_helper_in_tests_matches() -> None:
    assert make("onboard") == make_command("onboard")


@pytest.mark.e2e
def test_setup_installs_the_console_script_in_a_fresh_clone_and_re_runs_quietly(tmp_path: Path) -> None:
    """`scripts/setup.sh` in a fresh copy: the project install step, twice, then the script from elsewhere.

    The copy's virtualenv borrows this one's installed requirements (a .pth file) and gets the
    requirements stamp, so that only the project install and the Pulumi CLI step (cached) run.
    """
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("pyproject.toml", "requirements.txt", "Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy2(REPO / name, clone / name)
    for folder in ("infra", "scripts"):
        shutil.copytree(REPO / folder, clone / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(clone / ".venv")], check=True)
    ours = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
    theirs = next((clone / ".venv" / "lib").glob("python3*/site-packages"))
    (theirs / "_borrowed_requirements.pth").write_text(f"{ours}\n")
    digest = subprocess.run(["sha256sum", "requirements.txt"], cwd=clone, capture_output=True, text=True, check=True)
    (clone / ".venv" / ".requirements.sha256").write_text(digest.stdout.split()[0] + "\n")
    env = {"PATH": f"{VENV_BIN}:{PLAIN_PATH}", "HOME": os.environ.get("HOME", "/root")}
    env |= {k: v for k, v in os.environ.items() if k in ("WORKSHELF_CACHE", "XDG_CACHE_HOME", "PULUMI_VERSION")}

    def setup(where: Path = clone) -> str:
        done = subprocess.run(
            ["bash", "scripts/setup.sh"], cwd=where, env=env, capture_output=True, text=True, check=False, timeout=600
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "installing the workshelf-infra command into .venv" in setup()
    assert "installing the workshelf-infra command" not in setup()
    # A copy sharing that virtualenv by symlink leaves the command pointing at its own clone.
    sharing = tmp_path / "sharing"
    shutil.copytree(clone, sharing, ignore=shutil.ignore_patterns(".venv"))
    (sharing / ".venv").symlink_to(clone / ".venv")
    assert f"the virtualenv is shared from {clone}/.venv" in setup(sharing)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = clone / ".venv" / "bin" / "workshelf-infra"
    done = plain_shell(f"{script} --help", elsewhere)
    assert done.returncode == 0, done.stderr
    assert "Usage: workshelf-infra" in done.stdout
    where = plain_shell(f"{clone}/.venv/bin/python -c 'import infra; print(infra.__file__)'", elsewhere)
    assert where.stdout.strip() == str(clone / "infra" / "__init__.py")
