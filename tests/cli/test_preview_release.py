"""`preview ...` and `release ...` through typer: results on stdout (JSON where asked), progress and
errors on stderr, the exit codes 8 and 9, usage errors as 2, never a traceback or a URL outside `-o env`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from infra.cli import app
from infra.cli.console import ConsoleReporter
from infra.masking import uri_password
from infra.ops.safety.pg import QueryValue
from tests.support.clock import FakeClock
from tests.support.followup import WORKSHELF
from tests.support.migrations import SAMPLE
from tests.support.release import ReleaseHarness
from tests.support.safety import Harness

ALEMBIC = ("--cwd", str(SAMPLE), "--", sys.executable, "-m", "alembic")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def rel(release_harness: ReleaseHarness, monkeypatch: pytest.MonkeyPatch) -> ReleaseHarness:
    release_harness.ctx.reporter = ConsoleReporter()
    monkeypatch.setattr("infra.cli.release.context", lambda: release_harness.ctx)
    return release_harness


def test_preview_create__json_env_and_text(cli: Harness) -> None:
    code, stdout, stderr = invoke("preview", "create", "--pr", "12", "-o", "json")
    assert code == 0, stderr
    created = json.loads(stdout)
    assert list(created) == ["pr", "branch_id", "branch_name", "expires_at", "endpoint_host", "reset"]
    assert "==> creating preview/pr-12 of staging's default branch, with its own compute" in stderr
    code, stdout, stderr = invoke("preview", "create", "--pr", "12", "-o", "env")
    assert code == 0, stderr
    env = dict(line.split("=", 1) for line in stdout.splitlines())
    assert (env["PREVIEW_BRANCH_ID"], env["PREVIEW_RESET"]) == (created["branch_id"], "true")
    password = uri_password(SecretStr(env["DATABASE_URL"]))
    assert password
    assert password not in stderr
    code, stdout, stderr = invoke("preview", "create", "--pr", "12")
    assert code == 0, stderr
    assert stdout.startswith(f"preview/pr-12 ({created['branch_id']}) reset to the parent's current data; expires ")
    assert "postgresql://" not in stdout + stderr


def test_preview__production_exit_8_and_bad_arguments_exit_2(cli: Harness) -> None:
    code, stdout, stderr = invoke("preview", "list", "--stack", "production")
    assert (code, stdout) == (8, "")
    assert stderr.splitlines() == [
        "error: `preview list` refuses production: a preview would copy production's data into a branch that "
        "pull-request code can read (anonymized previews are not available yet)",
        "  hint: previews branch staging: use --stack staging (the default)",
    ]
    for args, message in (
        (("prune", "--open", "12,x"), "x is not a pull request number; e.g. --open 12,15"),
        (("create", "--pr", "0"), "'0' is not a whole number of 1 or more"),
        (("create", "--pr", "3", "--expires-in", "soon"), "'soon' is not a duration"),
        (("create", "--pr", "3", "-o", "yaml"), "'yaml' is not one of 'text', 'json', 'env'"),
    ):
        code, _stdout, stderr = invoke("preview", *args)
        assert code == 2, stderr
        assert message in " ".join(stderr.replace("│", " ").split())
        assert "Traceback" not in stderr
    assert cli.outputs_read == []


def test_preview_prune_with_no_open_pull_request_and_delete_twice(cli: Harness) -> None:
    for pr in ("1", "2"):
        assert invoke("preview", "create", "--pr", pr)[0] == 0
    code, stdout, _stderr = invoke("preview", "prune", "--open", "", "--dry-run")
    assert (code, [line.split()[:3] for line in stdout.splitlines()]) == (
        0,
        [["would", "delete", "preview/pr-1"], ["would", "delete", "preview/pr-2"]],
    )
    assert invoke("preview", "prune", "--open", "2")[0] == 0
    assert invoke("preview", "delete", "--pr", "2")[0] == 0
    assert invoke("preview", "delete", "--pr", "2")[:2] == (0, "preview/pr-2 does not exist (already deleted)\n")
    assert invoke("preview", "list")[1] == "no previews on staging\n"


def test_release__json_on_stdout_exit_9_and_the_restore_command(rel: ReleaseHarness, tmp_path: Path) -> None:
    checks = tmp_path / "checks.sql"
    checks.write_text("SELECT count(*) FROM books;\n-- expect: >= 3\n")
    rel.database.values = [QueryValue(value="1", rows=1)]
    code, stdout, stderr = invoke("release", "--stack", "staging", "--checks", str(checks), *ALEMBIC)
    assert code == 9
    record = json.loads(stdout)
    assert record["outcome"] == "checks_failed"
    assert stderr.splitlines()[-2:] == [
        "error: release on staging: 1 of 1 check(s) failed after the migration: check 1: expected >= 3, got 1",
        f"  hint: to bring back the data from before the release, run: {WORKSHELF} restore --stack staging "
        f"--from-branch {record['backup_branch_id']} --yes",
    ]


def test_release__refusals(rel: ReleaseHarness, clock: FakeClock) -> None:
    code, stdout, stderr = invoke("release", "--stack", "production", *ALEMBIC)
    assert (code, stdout) == (8, "")
    assert stderr.startswith("error: production is released after staging, and staging has no successful release")
    code, _stdout, stderr = invoke("release", "--stack", "production", "--outside-window", *ALEMBIC)
    assert code == 2
    assert "error: --outside-window needs --reason with at least 10 characters (got 0)" in stderr
    clock.advance(2 * 86_400)  # Saturday
    code, _stdout, stderr = invoke("release", "--stack", "production", *ALEMBIC)
    assert code == 8
    assert "the next window opens Mon 2026-01-05 01:00 Europe/Berlin (2026-01-05T00:00:00Z)" in stderr
    assert rel.runner.calls == []


def test_release_status(rel: ReleaseHarness) -> None:
    assert invoke("release", "--stack", "staging", *ALEMBIC)[0] == 0
    code, stdout, stderr = invoke("release", "status", "-o", "json")
    assert code == 0, stderr
    stacks = json.loads(stdout)["stacks"]
    assert [(s["stack"], len(s["releases"]), s["error"]) for s in stacks] == [
        ("staging", 1, None),
        ("production", 0, None),
    ]
    code, stdout, _stderr = invoke("release", "status", "--stack", "production")
    assert (code, stdout) == (0, "production: no releases yet\n")
    code, stdout, _stderr = invoke("release", "status", "--stack", "staging")
    assert stdout.splitlines()[0] == "staging:"
    assert stdout.splitlines()[1].startswith("  #1 2026-01-01T02:3")
