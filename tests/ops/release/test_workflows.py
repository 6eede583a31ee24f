"""db-preview.yml and release.yml: the triggers, jobs and gates the issue asks for, wired to the
commands' options and exit codes; the URL masked before it reaches GITHUB_ENV and never commented."""

from __future__ import annotations

from typing import Any

import yaml

from infra.errors import ExitCode
from tests.support.pulumi_project import REPO

WORKFLOWS = REPO / ".github" / "workflows"
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"


def _load(name: str) -> tuple[str, dict[Any, Any]]:
    text = (WORKFLOWS / name).read_text()
    return text, yaml.safe_load(text)


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("name", "").startswith(name))


def test_db_preview__triggers_and_jobs() -> None:
    _, workflow = _load("db-preview.yml")
    triggers = workflow[True]  # YAML 1.1 reads `on` as a boolean
    assert triggers["pull_request"]["types"] == ["opened", "reopened", "synchronize", "closed"]
    assert "schedule" in triggers
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    jobs = workflow["jobs"]
    assert FORK_GUARD in jobs["preview"]["if"]
    assert "github.event.action != 'closed'" in jobs["preview"]["if"]
    assert FORK_GUARD in jobs["delete"]["if"]
    assert "github.event.action == 'closed'" in jobs["delete"]["if"]
    assert "schedule" in jobs["prune"]["if"]
    assert 'preview delete --pr "$PR"' in _step(jobs["delete"], "Delete the preview")["run"]
    assert 'preview prune --open "$open"' in _step(jobs["prune"], "Prune")["run"]


def test_db_preview__the_url_is_masked_before_github_env_and_never_commented() -> None:
    _, workflow = _load("db-preview.yml")
    job = workflow["jobs"]["preview"]
    run = _step(job, "Create or reset the preview")["run"]
    lines = run.splitlines()
    create = next(i for i, line in enumerate(lines) if 'preview create --pr "$PR" -o env' in line)
    masks = [i for i, line in enumerate(lines) if line.startswith('echo "::add-mask::')]
    to_env = [i for i, line in enumerate(lines) if "GITHUB_ENV" in line]
    assert [lines[i] for i in masks] == ['echo "::add-mask::$url"', 'echo "::add-mask::$password"']
    assert create < min(masks)
    assert max(masks) < min(to_env)
    assert "GITHUB_OUTPUT" in run
    assert "DATABASE_URL" not in lines[-1]  # only branch, expiry and reset go to the step outputs
    comment = _step(job, "Comment the branch and its expiry")
    assert set(comment["env"]) == {"BRANCH", "EXPIRES_AT", "RESET"}
    assert "DATABASE_URL" not in comment["with"]["script"].replace("as `DATABASE_URL` (masked)", "")


def test_release__staging_then_production_in_its_environment() -> None:
    text, workflow = _load("release.yml")
    triggers = workflow[True]
    assert set(triggers) == {"workflow_dispatch", "workflow_call"}
    assert triggers["workflow_call"]["inputs"]["infra-repository"]["required"] is True
    assert workflow["permissions"] == {"contents": "read"}
    staging, production = workflow["jobs"]["staging"], workflow["jobs"]["production"]
    assert (staging["environment"], production["environment"], production["needs"]) == (
        "staging",
        "production",
        "staging",
    )
    assert staging["steps"] == production["steps"]  # one list of steps (a YAML anchor): the stack is the job's name
    release = _step(production, "Release")
    assert release["env"]["STACK"] == "${{ github.job }}"
    assert 'workshelf-infra" release "${args[@]}" -- "${alembic[@]}" > "$record"' in release["run"]
    assert f"{ExitCode.REFUSED})" in release["run"]
    assert f"{ExitCode.VERIFICATION_FAILED})" in release["run"]
    assert '--outside-window --reason "$REASON"' in release["run"]
    upload = _step(production, "Upload the release record")
    assert (upload["if"], upload["uses"]) == ("always()", "actions/upload-artifact@v4")
    assert upload["with"]["name"] == "release-record-${{ github.job }}"
    assert "cancel-in-progress: false" in text
