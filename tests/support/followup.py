"""The follow-up commands this clone prints, spelled out literally for exact assertions (see
`infra/ops/followup.py`; `make setup` installs the console script into this clone's .venv)."""

from __future__ import annotations

from pathlib import Path

from tests.support.pulumi_project import REPO, VENV_BIN

WORKSHELF = str(VENV_BIN / "workshelf-infra")
PULUMI = str(VENV_BIN / "pulumi")


def make(target: str, *args: str, project: Path = REPO) -> str:
    return " ".join(["make", "-C", str(project), target, *args])
