"""Pull-request edits to a temp project copy (stack files, or the program where only code can do it),
shared by the end-to-end tests and the fixture capture script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from infra.config.keys import PROJECT
from tests.support.pulumi_project import TEST_PASSPHRASE, PulumiProject

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
# Noise the engine adds to every state: local paths and times, never read by pr-diff.
_NOISE = ("stackTrace", "sourcePosition", "created", "modified")


def edit_stack_file(project: PulumiProject, stack: str, section: str, values: dict[str, Any] | None) -> None:
    """Set keys of a config section (creating it), or remove the section with `values=None`."""
    path = project.stack_file(stack)
    document = yaml.safe_load(path.read_text())
    key = f"{PROJECT}:{section}"
    if values is None:
        document["config"].pop(key, None)
    else:
        document["config"].setdefault(key, {}).update(values)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def unprotect_production_branch(project: PulumiProject) -> None:
    edit_stack_file(project, "production", "neon", {"protectDefaultBranch": False})
    edit_stack_file(
        project,
        "production",
        "safetyOverrides",
        {"unprotectedDefaultBranch": "data migration INC-42: the vendor tool needs an unprotected branch"},
    )


def restore_production_branch(project: PulumiProject) -> None:
    edit_stack_file(project, "production", "neon", {"protectDefaultBranch": True})
    edit_stack_file(project, "production", "safetyOverrides", None)


def edit_program(project: PulumiProject, relative: str, old: str, new: str) -> str:
    """Replace one snippet in the copy's code; returns the original text (to put back)."""
    path = project.root / relative
    original = path.read_text()
    assert old in original, f"{old!r} not in {relative}"
    path.write_text(original.replace(old, new))
    return original


def prdiff_env(project: PulumiProject) -> dict[str, str]:
    return {**project.env, "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE}


def run_infra(project: PulumiProject, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m infra <args>` in the project copy, as the workflow runs it."""
    return subprocess.run(
        [sys.executable, "-m", "infra", *args],
        cwd=project.root,
        env=prdiff_env(project),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def sanitize(document: dict[str, Any]) -> dict[str, Any]:
    """A preview document without stack traces, source positions and timestamps."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in _NOISE}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    cleaned: dict[str, Any] = clean(document)
    cleaned["duration"] = 0
    return cleaned


def save_fixture(name: str, stdout: str) -> Path:
    path = FIXTURES / f"{name}.json"
    path.write_text(json.dumps(sanitize(json.loads(stdout)), indent=1, sort_keys=True) + "\n")
    return path


def load_fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def update_golden() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"
