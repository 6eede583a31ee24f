"""The two workflows: wired to pr-diff's marker, label and exit codes; least privilege; actionlint clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.errors import ExitCode
from infra.ops.prdiff.gate import ACK_LABEL
from infra.ops.prdiff.render import DIGEST_PREFIX, MARKER
from infra.toolchain import actionlint
from tests.support.pulumi_project import REPO

WORKFLOWS = REPO / ".github" / "workflows"
SECRETS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "NEON_API_KEY")


def _load(name: str) -> tuple[str, dict[Any, Any]]:
    text = (WORKFLOWS / name).read_text()
    return text, yaml.safe_load(text)


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    return workflow[True]  # YAML 1.1 reads the key `on` as a boolean


def test_pr_workflow__reruns_on_label_changes_with_least_privilege() -> None:
    _, workflow = _load("infra-pr.yml")
    assert set(_triggers(workflow)["pull_request"]["types"]) >= {"opened", "synchronize", "labeled", "unlabeled"}
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_pr_workflow__uses_the_label_marker_digest_and_exit_codes_pr_diff_defines() -> None:
    text, workflow = _load("infra-pr.yml")
    job = workflow["jobs"]["preview"]
    assert ACK_LABEL in job["if"]
    assert f"contains(github.event.pull_request.labels.*.name, '{ACK_LABEL}')" in text
    assert MARKER in text
    assert DIGEST_PREFIX.removesuffix("sha256:") in text
    assert "--stack staging --stack production" in text
    assert f"{ExitCode.BLOCKED})" in text
    assert f"{ExitCode.PREVIEW_FAILED})" in text
    for secret in SECRETS:
        assert job["env"][secret] == f"${{{{ secrets.{secret} }}}}"


def test_drift_workflow__scheduled_per_stack_read_only() -> None:
    text, workflow = _load("infra-drift.yml")
    triggers = _triggers(workflow)
    assert "schedule" in triggers
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stack"] == ["staging", "production"]
    assert job["strategy"]["fail-fast"] is False
    assert "python -m infra drift --stack" in text
    assert f"{ExitCode.DRIFT})" in text
    assert "GITHUB_STEP_SUMMARY" in text


def test_no_secret_is_echoed_in_a_run_step() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job["steps"]:
                assert "secrets." not in step.get("run", ""), f"{path.name}: pass secrets through env"


def test_workflow_files__only_yml_and_yaml(tmp_path: Path) -> None:
    for name in ("a.yml", "b.yaml", "notes.md"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in actionlint.workflow_files(tmp_path)] == ["a.yml", "b.yaml"]


def test_build_without_go__says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(actionlint.ActionlintError, match="install Go"):
        actionlint.build(tmp_path / "actionlint", {"PATH": str(tmp_path)})


def test_main__not_a_directory_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert actionlint.main([str(tmp_path / "missing")]) == 2
    assert "is not a directory of workflows" in capsys.readouterr().err


@pytest.mark.e2e
def test_actionlint__both_workflows_clean_and_a_broken_one_caught(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": os.environ.get("PATH", "")}
    clean = subprocess.run(
        [sys.executable, "-m", "infra.toolchain.actionlint", str(WORKFLOWS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: pulumi/actions@v6\n        with:\n          stack: production\n"
    )
    found = subprocess.run(
        [sys.executable, "-m", "infra.toolchain.actionlint", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert found.returncode == 1
    assert 'input "stack" is not defined in action "pulumi/actions@v6"' in found.stdout
