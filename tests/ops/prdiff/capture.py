"""Capture the preview fixtures from the real engine against the emulator.

Run: `.venv/bin/python -m tests.ops.prdiff.capture` (about 40 s). Every fixture comes from our stacks
deployed onto a fresh emulator (seeded, so ids are stable), then one pull-request-style edit each;
the emulator's passwords are throwaway values, and no real key or passphrase is involved. (The CLI
prints `[secret]` in this JSON even with `--show-secrets`; masking tests inject leaks on purpose.)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import httpx

from infra.config.load import read_stack_file
from tests.ops.prdiff.scenarios import (
    FIXTURES,
    edit_program,
    edit_stack_file,
    restore_production_branch,
    save_fixture,
    unprotect_production_branch,
)
from tests.support.neon_world import E2E_API_KEY, start_world
from tests.support.pulumi_project import PulumiProject

STACKS = ("staging", "production")


def _preview(project: PulumiProject, stack: str, name: str, *extra: str) -> None:
    result = project.run("preview", "--json", *extra, stack=stack, check=False)
    json.loads(result.stdout)  # fails loudly if the CLI printed no document
    save_fixture(name, result.stdout)
    print(f"{name}: exit {result.returncode}", file=sys.stderr)


def _stack_changes(project: PulumiProject) -> None:
    _preview(project, "staging", "staging-no-changes")
    _preview(project, "production", "production-no-changes")
    edit_stack_file(project, "staging", "neon", {"historyRetentionSeconds": 86_400})
    _preview(project, "staging", "staging-retention-1-day")
    edit_stack_file(project, "staging", "neon", {"historyRetentionSeconds": 2_592_000})
    _preview(project, "staging", "staging-retention-over-cap")
    edit_stack_file(project, "staging", "neon", {"historyRetentionSeconds": 604_800, "pgVersion": 16})
    _preview(project, "staging", "staging-pg-version")
    edit_stack_file(project, "staging", "neon", {"pgVersion": 17})
    edit_stack_file(project, "production", "neon", {"regionId": "aws-us-east-2"})
    _preview(project, "production", "production-region")
    edit_stack_file(project, "production", "neon", {"regionId": "aws-eu-central-1"})
    unprotect_production_branch(project)
    _preview(project, "production", "production-unprotect-branch")
    restore_production_branch(project)
    _schedule_changes(project)


def _schedule_changes(project: PulumiProject) -> None:
    declared = {stack: read_stack_file(project.stack_file(stack))["neon"]["backupSchedule"] for stack in STACKS}
    edit_stack_file(
        project, "staging", "neon", {"backupSchedule": [{"frequency": "daily", "hour": 3, "retentionDays": 2}]}
    )
    _preview(project, "staging", "staging-schedule-shortened")
    edit_stack_file(
        project, "production", "neon", {"backupSchedule": [{"frequency": "daily", "hour": 3, "retentionDays": 14}]}
    )
    _preview(project, "production", "production-schedule-shortened")
    edit_stack_file(project, "production", "neon", {"backupSchedule": []})
    _preview(project, "production", "production-schedule-removed")
    for stack in STACKS:
        edit_stack_file(project, stack, "neon", {"backupSchedule": declared[stack]})


def _program_changes(project: PulumiProject) -> None:
    original = edit_program(project, "infra/program.py", "protect=settings.is_production", "protect=False")
    _preview(project, "production", "production-protect-dropped")
    (project.root / "infra/program.py").write_text(original)
    original = edit_program(
        project, "infra/components/neon_environment.py", 'f"{name}-owner-role",', 'f"{name}-owner-role-v2",'
    )
    _preview(project, "production", "production-role-delete")
    (project.root / "infra/components/neon_environment.py").write_text(original)


def _drift(project: PulumiProject, base_url: str, admin_url: str) -> None:
    projects = httpx.get(f"{admin_url}/state", timeout=10).json()["projects"]
    staging_id = next(p["project"]["id"] for p in projects if p["project"]["name"] == "workshelf-staging")
    httpx.patch(
        f"{base_url}/projects/{staging_id}",
        json={"project": {"history_retention_seconds": 3_600}},
        headers={"Authorization": f"Bearer {E2E_API_KEY}"},
        timeout=10,
    ).raise_for_status()
    auth = {"Authorization": f"Bearer {E2E_API_KEY}"}
    branches = httpx.get(f"{base_url}/projects/{staging_id}/branches", headers=auth, timeout=10).json()["branches"]
    branch_id = next(b["id"] for b in branches if b["default"])
    httpx.put(  # someone shortens the snapshots' retention in the console
        f"{base_url}/projects/{staging_id}/branches/{branch_id}/backup_schedule",
        json={"schedule": [{"frequency": "daily", "hour": 3, "retention_seconds": 86_400}]},
        headers={"Authorization": f"Bearer {E2E_API_KEY}"},
        timeout=10,
    ).raise_for_status()
    result = project.run("refresh", "--preview-only", "--json", stack="staging", check=False)
    save_fixture("staging-drift-refresh", result.stdout)
    _preview(project, "staging", "staging-drift-preview-refresh", "--refresh")


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        _, server, project = start_world(Path(tmp))
        try:
            for stack in ("staging", "production"):
                project.init(stack)
                project.up(stack)
            _stack_changes(project)
            _program_changes(project)
            _drift(project, server.base_url, server.admin_url)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
