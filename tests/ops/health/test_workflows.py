"""The health and restore-drill workflows: wired to the commands and exit codes, least privilege, no
secret in a run step; the alert script (run with Node against an in-memory GitHub) opens one issue per
stack, updates it, comments only when the status changes, closes it on recovery, and never shows the
webhook's URL."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.errors import ExitCode
from tests.support.pulumi_project import REPO

WORKFLOWS = REPO / ".github" / "workflows"
HARNESS = Path(__file__).parent / "alert_harness.js"


def _load(name: str) -> tuple[str, dict[Any, Any]]:
    text = (WORKFLOWS / name).read_text()
    return text, yaml.safe_load(text)


def test_health_workflow__every_30_minutes_per_stack_writing_issues_only() -> None:
    text, workflow = _load("infra-health.yml")
    assert workflow[True]["schedule"] == [{"cron": "*/30 * * * *"}]
    assert workflow["permissions"] == {"contents": "read", "issues": "write"}
    job = workflow["jobs"]["health"]
    assert job["strategy"]["matrix"]["stack"] == ["staging", "production"]
    assert 'python -m infra health --stack "$STACK" --output json' in text
    assert f"0|{ExitCode.WARNING}|{ExitCode.CRITICAL})" in text
    alert = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/github-script"))
    assert alert["env"]["ALERT_WEBHOOK_URL"] == "${{ secrets.ALERT_WEBHOOK_URL }}"
    assert ".github/scripts/health-alert.js" in alert["with"]["script"]


def test_drill_workflow__weekly_production_with_the_sample_checks_and_an_artifact() -> None:
    text, workflow = _load("infra-restore-drill.yml")
    assert workflow[True]["schedule"] == [{"cron": "17 4 * * 1"}]
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["drill"]["steps"]
    assert "args=(--stack production --check checks/production.sql" in text
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always() && steps.drill.outputs.reports != ''"
    assert f"{ExitCode.VERIFICATION_FAILED}) echo" in text
    assert (REPO / "checks" / "production.sql").is_file()


def _report(tmp_path: Path, name: str, status: str, checks: list[dict[str, Any]]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(
        json.dumps(
            {
                "stack": "production",
                "checked_at": "2026-03-01T12:00:00Z",
                "status": status,
                "exit_code": 0,
                "checks": checks,
            }
        )
    )
    return str(path)


def _run(scenario: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (CI installs it): the alert script runs on GitHub's Node")
    done = subprocess.run(
        [node, str(HARNESS), json.dumps(scenario)], capture_output=True, text=True, timeout=60, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


SLOW = {
    "name": "slow statements",
    "status": "warning",
    "value": 1,
    "unit": "",
    "detail": "over 1000 ms",
    "threshold": {"warning": 1, "critical": 5},
    "hint": "EXPLAIN it",
    "items": [{"query": "SELECT pg_sleep($1)"}],
}
OK = {
    "name": "connection",
    "status": "ok",
    "value": 12.5,
    "unit": " ms",
    "detail": "",
    "threshold": None,
    "hint": "",
    "items": [],
}


def test_alert__opens_updates_comments_on_change_and_closes(tmp_path: Path) -> None:
    warning = _report(tmp_path, "warning", "warning", [OK, SLOW])
    critical = _report(tmp_path, "critical", "critical", [OK, {**SLOW, "status": "critical", "value": 5}])
    healthy = _report(tmp_path, "ok", "ok", [OK])
    runs = [
        {"stack": "production", "reportPath": warning, "exitCode": 6},
        {"stack": "production", "reportPath": warning, "exitCode": 6},
        {"stack": "production", "reportPath": critical, "exitCode": 7},
        {"stack": "production", "reportPath": healthy, "exitCode": 0},
        {"stack": "production", "reportPath": healthy, "exitCode": 0},
    ]
    result = _run({"runs": runs, "webhook": True})
    assert result["statuses"] == ["warning", "warning", "critical", "ok", "ok"]
    kinds = [c[:2] if c[0] != "comment" else ["comment", c[2].split(".")[0]] for c in result["calls"]]
    assert kinds == [
        ["label", "infra:alert"],
        ["create", 1],
        ["webhook", "URL"],
        ["update", 1],  # the same status again: the body is refreshed, nobody is notified
        ["update", 1],
        ["comment", "Status: warning → critical"],
        ["webhook", "URL"],
        ["comment", "✅ Healthy again"],
        ["update", 1],
        ["webhook", "URL"],
    ]
    [issue] = result["issues"]
    assert (issue["title"], issue["state"], issue["labels"]) == ("infra health: production", "closed", ["infra:alert"])
    assert "| slow statements | 🛑 critical | 5 | 1 / 5 | over 1000 ms |" in issue["body"]
    assert "- **slow statements**: EXPLAIN it" in issue["body"]
    assert '  - `{"query":"SELECT pg_sleep($1)"}`' in issue["body"]
    webhooks = [c[2] for c in result["calls"] if c[0] == "webhook"]
    assert webhooks[0] == "infra health production: WARNING (slow statements: warning) https://github.example/run/1"
    assert webhooks[-1] == "infra health production: recovered (https://github.example/run/1)"
    assert "secret-token" not in json.dumps(result)


def test_alert__one_issue_per_stack_and_a_run_that_failed_to_report(tmp_path: Path) -> None:
    warning = _report(tmp_path, "warning", "warning", [OK, SLOW])
    runs = [
        {"stack": "staging", "reportPath": warning, "exitCode": 6},
        {"stack": "production", "reportPath": str(tmp_path / "missing.json"), "exitCode": 1},
    ]
    result = _run({"runs": runs, "webhook": False})
    assert result["statuses"] == ["warning", "unknown"]
    assert [(i["title"], i["state"]) for i in result["issues"]] == [
        ("infra health: staging", "open"),
        ("infra health: production", "open"),
    ]
    assert "`health` could not run (exit 1)" in result["issues"][1]["body"]
    assert not [c for c in result["calls"] if c[0] == "webhook"]
