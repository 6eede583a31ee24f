"""A sample of the bad stack files (tests/config/test_stack_files.py) under the real Pulumi CLI: the
program's verdict is the CLI loader's, line for line; files the Pulumi CLI cannot read itself (a
duplicate key, an infinity) are refused by Pulumi before the program runs, naming the line or value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.test_stack_files import BAD_FILES, STACKS, Bad
from tests.support.pulumi_project import REPO, PulumiProject, require_pulumi

pytestmark = pytest.mark.e2e

SAMPLE = (
    "yes_as_number", "date_environment", "empty_neon", "wrong_namespace", "snake_case", "branch_nul", "broken_sibling",
)  # fmt: skip
SALTS: dict[str, str] = {}
PULUMI_REFUSES = {"dup_key": 'mapping key "plan" already defined at line 8', "inf_cu": "unsupported value: +Inf"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> PulumiProject:
    require_pulumi()
    made = PulumiProject.create(tmp_path_factory.mktemp("verdicts"))
    for stack in ("staging", "production"):
        made.init(stack)
    # `stack init` wrote each file's encryptionsalt; rows keep it so that Pulumi never rewrites a file.
    SALTS.update({s: _salt(made.stack_file(s)) for s in STACKS})
    return made


def _salt(path: Path) -> str:
    return next((line for line in path.read_text().splitlines() if line.startswith("encryptionsalt:")), "")


def _install(project: PulumiProject, bad: Bad, scratch: Path) -> None:
    bad.write(scratch)
    for stack in STACKS:
        data = (scratch / f"Pulumi.{stack}.yaml").read_bytes()
        salt = SALTS[stack]
        if salt and salt.encode() not in data and stack != "dev":
            data = data.rstrip(b"\n") + b"\n" + salt.encode() + b"\n"  # last, so that line numbers stay
        project.stack_file(stack).write_bytes(data)


def by_id(name: str) -> Bad:
    return next(b for b in BAD_FILES if b.id == name)


@pytest.mark.parametrize("name", SAMPLE)
def test_the_program_under_pulumi_gives_the_loaders_verdict(project: PulumiProject, name: str, tmp_path: Path) -> None:
    bad = by_id(name)
    _install(project, bad, tmp_path)
    run = project.run("preview", stack=bad.stack, check=False)
    assert run.returncode != 0
    assert "error: invalid stack configuration:" in run.output, run.output
    for problem in bad.problems:
        assert f"  - {problem}" in run.output, run.output
    assert "Traceback" not in run.output


@pytest.mark.parametrize("name", sorted(PULUMI_REFUSES))
def test_files_pulumi_cannot_read_are_refused_by_pulumi_too(project: PulumiProject, name: str, tmp_path: Path) -> None:
    bad = by_id(name)
    _install(project, bad, tmp_path)
    run = project.run("preview", stack=bad.stack, check=False)
    assert run.returncode != 0
    assert PULUMI_REFUSES[name] in run.output, run.output


def test_the_committed_files_are_left_as_they_were(project: PulumiProject) -> None:
    for stack in STACKS:
        body = (REPO / f"Pulumi.{stack}.yaml").read_bytes()
        salt = "" if stack == "dev" else SALTS[stack] + "\n"
        project.stack_file(stack).write_bytes(body + salt.encode())
    assert project.run("preview", stack="staging", check=False).returncode == 0
