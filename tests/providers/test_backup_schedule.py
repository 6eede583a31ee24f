"""NeonBackupSchedule against the emulator: one PUT per create or change, read-back equal to the
declaration (no false diff), off on delete, a child branch refused by name, bad entries caught in check."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import settings_from_stack_file
from infra.config.models import NeonStack
from infra.providers.backup_schedule import BackupScheduleProps, NeonBackupScheduleProvider
from infra.providers.errors import ProviderError
from infra.providers.project import NeonProjectProvider
from tests.providers.conftest import Neon, project_props
from tests.support.pulumi_project import REPO

schedules = NeonBackupScheduleProvider()
DAY = 86_400
DAILY = {"frequency": "daily", "hour": 3, "retention_seconds": 30 * DAY}
MONTHLY = {"frequency": "monthly", "day": 1, "hour": 4, "retention_seconds": 365 * DAY}


@pytest.fixture
def project(neon: Neon) -> dict[str, Any]:
    result = NeonProjectProvider().create(project_props(protect_default_branch=False))
    neon.transport.sent.clear()
    return {"project_id": result.id, **result.outs}


def props(project: dict[str, Any], *items: dict[str, Any]) -> dict[str, Any]:
    return {"project_id": project["project_id"], "branch_id": project["default_branch_id"], "schedule": list(items)}


def path(project: dict[str, Any]) -> str:
    return f"/projects/{project['project_id']}/branches/{project['default_branch_id']}/backup_schedule"


def test_schedule__create_change_read_and_off(neon: Neon, project: dict[str, Any]) -> None:
    created = schedules.create(props(project, DAILY, MONTHLY))
    assert created.id == project["default_branch_id"]
    assert [(s.method, s.path, s.body) for s in neon.transport.mutations()] == [
        ("PUT", path(project), {"schedule": [DAILY, MONTHLY]})
    ]
    read = schedules.read(created.id, created.outs)
    assert read.outs["schedule"] == [DAILY, MONTHLY]
    assert schedules.diff(created.id, read.outs, props(project, DAILY, MONTHLY)).changes is False
    shorter = {**DAILY, "retention_seconds": 7 * DAY}
    diff = schedules.diff(created.id, read.outs, props(project, shorter))
    assert (diff.changes, diff.replaces) == (True, [])
    neon.transport.sent.clear()
    schedules.update(created.id, read.outs, props(project, shorter))
    assert [s.body for s in neon.transport.mutations()] == [{"schedule": [shorter]}]
    assert schedules.read(created.id, created.outs).outs["schedule"] == [shorter]
    schedules.delete(created.id, created.outs)
    assert schedules.read(created.id, created.outs).outs["schedule"] == []


def test_schedule__drift_made_in_neon_shows_on_read(neon: Neon, project: dict[str, Any]) -> None:
    created = schedules.create(props(project, DAILY))
    with neon.client() as client:
        client.set_backup_schedule(project["project_id"], project["default_branch_id"], [])
    read = schedules.read(created.id, created.outs)
    assert read.outs["schedule"] == []
    assert schedules.diff(created.id, read.outs, props(project, DAILY)).changes is True


def test_schedule__a_child_branch_refused_by_neon_is_named(neon: Neon, project: dict[str, Any]) -> None:
    with neon.client() as client:
        child = client.create_branch(project["project_id"]).branch
    neon.transport.sent.clear()
    with pytest.raises(ProviderError, match="root branches only") as caught:
        schedules.create({**props(project, DAILY), "branch_id": child.id})
    assert str(caught.value) == (
        f"backup schedules apply to root branches only: branch {child.name} ({child.id}) of project "
        f"{project['project_id']} is a child of {project['default_branch_id']}"
    )
    assert [(s.method, s.path) for s in neon.transport.sent] == [
        ("PUT", f"/projects/{project['project_id']}/branches/{child.id}/backup_schedule"),
        ("GET", f"/projects/{project['project_id']}/branches/{child.id}"),
    ]
    with neon.client() as client:
        assert client.get_backup_schedule(project["project_id"], child.id) == []


def test_schedule__a_root_branch_takes_one_put_and_nothing_else(neon: Neon, project: dict[str, Any]) -> None:
    schedules.create(props(project, DAILY))
    assert [(s.method, s.path) for s in neon.transport.sent] == [("PUT", path(project))]


def test_schedule__delete_after_the_project_is_gone_succeeds(neon: Neon, project: dict[str, Any]) -> None:
    created = schedules.create(props(project, DAILY))
    with neon.client() as client:
        client.delete_project(project["project_id"])
    schedules.delete(created.id, created.outs)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"frequency": "fortnightly"}, "Input should be 'hourly', 'daily', 'weekly', 'monthly' or 'yearly'"),
        ({"frequency": "daily", "hour": 24}, "Input should be less than or equal to 23"),
        ({"frequency": "daily", "retention_seconds": 60}, "Input should be greater than or equal to 3600"),
    ],
)
def test_schedule__check_names_the_bad_entry(item: dict[str, Any], message: str) -> None:
    result = schedules.check({}, {"project_id": "p", "branch_id": "b", "schedule": [item]})
    assert [(f.property, f.reason) for f in result.failures] == [("schedule", message)]


def test_schedule__props_from_the_committed_stack_files() -> None:
    production = settings_from_stack_file(REPO, "production")
    staging = settings_from_stack_file(REPO, "staging")
    assert isinstance(production, NeonStack)
    assert isinstance(staging, NeonStack)
    assert BackupScheduleProps.schedule_from_settings(production.neon) == [DAILY, MONTHLY]
    assert BackupScheduleProps.schedule_from_settings(staging.neon) == [{**DAILY, "retention_seconds": 7 * DAY}]
