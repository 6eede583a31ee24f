"""NeonProject's lifecycle against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from infra.providers.errors import ProviderError
from infra.providers.project import NeonProjectProvider
from neon_emulator import FaultRule
from tests.providers.conftest import Neon, project_props

provider = NeonProjectProvider()


def created(neon: Neon, **overrides: Any) -> tuple[str, dict[str, Any]]:
    result = provider.create(project_props(**overrides))
    return result.id, result.outs


def test_create_makes_project_branch_database_role_in_two_calls(neon: Neon) -> None:
    project_id, outs = created(neon)
    assert [(s.method, s.path) for s in neon.transport.mutations()] == [
        ("POST", "/projects"),
        ("PATCH", f"/projects/{project_id}/branches/{outs['default_branch_id']}"),
    ]
    with neon.client() as client:
        project = client.get_project(project_id)
        branch = client.get_branch(project_id, outs["default_branch_id"])
        assert [d.name for d in client.list_databases(project_id, branch.id)] == ["workshelf"]
        assert "workshelf_owner" in [r.name for r in client.list_roles(project_id, branch.id)]
    assert project.history_retention_seconds == 604_800
    assert branch.name == "main"
    assert branch.protected
    assert outs["default_branch_protected"] is True
    assert outs["host"].startswith("ep-")


def test_check_names_the_bad_property_without_calling_the_api(neon: Neon) -> None:
    result = provider.check({}, project_props(pg_version=12, history_retention_seconds=-1))
    assert sorted(f.property for f in result.failures) == ["history_retention_seconds", "pg_version"]
    assert neon.transport.sent == []


def test_diff_of_unchanged_inputs_is_no_change(neon: Neon) -> None:
    _, outs = created(neon)
    diff = provider.diff("id", outs, project_props())
    assert diff.changes is False
    assert diff.replaces == []


def test_diff_and_check_make_no_requests(neon: Neon) -> None:
    _, outs = created(neon)
    before = len(neon.transport.sent)
    provider.check(outs, project_props(history_retention_seconds=86_400))
    provider.diff("id", outs, project_props(history_retention_seconds=86_400))
    assert len(neon.transport.sent) == before


@pytest.mark.parametrize(
    ("field", "value", "sent"),
    [
        ("name", "workshelf-renamed", {"project": {"name": "workshelf-renamed"}}),
        ("history_retention_seconds", 86_400, {"project": {"history_retention_seconds": 86_400}}),
        (
            "allowed_ips",
            ["203.0.113.0/24"],
            {"project": {"settings": {"allowed_ips": {"ips": ["203.0.113.0/24"], "protected_branches_only": True}}}},
        ),
        (
            "autoscaling_max_cu",
            4,
            {
                "project": {
                    "default_endpoint_settings": {
                        "autoscaling_limit_min_cu": 0.25,
                        "autoscaling_limit_max_cu": 4,
                        "suspend_timeout_seconds": 300,
                    }
                }
            },
        ),
    ],
)
def test_update_sends_only_what_changed(neon: Neon, field: str, value: Any, sent: dict[str, Any]) -> None:
    project_id, outs = created(neon)
    news = project_props(**{field: value})
    diff = provider.diff(project_id, outs, news)
    assert diff.changes is True
    assert diff.replaces == []
    neon.transport.sent.clear()
    result = provider.update(project_id, outs, news)
    patches = [s for s in neon.transport.mutations() if s.path == f"/projects/{project_id}"]
    assert [p.body for p in patches] == [sent]
    assert result.outs[field] == value
    assert provider.diff(project_id, result.outs, news).changes is False


def test_endpoint_settings_reach_the_existing_compute_too(neon: Neon) -> None:
    project_id, outs = created(neon)
    provider.update(project_id, outs, project_props(suspend_timeout_seconds=600))
    with neon.client() as client:
        endpoint = client.get_endpoint(project_id, outs["default_endpoint_id"])
    assert endpoint.suspend_timeout_seconds == 600


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("region_id", "aws-us-east-2"),
        ("pg_version", 16),
        ("org_id", "org-other"),
        ("adopt_project_id", "x-1"),
    ],
)
def test_replacement_triggers(neon: Neon, field: str, value: Any) -> None:
    _, outs = created(neon)
    diff = provider.diff("id", outs, project_props(**{field: value}))
    assert diff.replaces == [field]
    assert diff.delete_before_replace is False  # project names may repeat in Neon: create first


@pytest.mark.parametrize("field", ["database_name", "role_name", "default_branch_name", "protect_default_branch"])
def test_create_time_fields_do_not_trigger_changes(neon: Neon, field: str) -> None:
    _, outs = created(neon)
    value = False if field == "protect_default_branch" else "other"
    assert provider.diff("id", outs, project_props(**{field: value})).changes is False


def test_read_reports_drift_and_a_deleted_project_as_gone(neon: Neon) -> None:
    project_id, outs = created(neon)
    with neon.client() as client:
        from infra.neon.models import ProjectUpdate

        client.update_project(project_id, ProjectUpdate(history_retention_seconds=3_600))
    neon.transport.sent.clear()
    read = provider.read(project_id, outs)
    assert read.outs["history_retention_seconds"] == 3_600
    assert [(s.method, s.path) for s in neon.transport.sent] == [("GET", f"/projects/{project_id}")]
    gone = provider.read("no-such-project-1", outs)
    assert gone.id is None
    assert gone.outs == {}


def test_delete_and_delete_again(neon: Neon) -> None:
    project_id, outs = created(neon, protect_default_branch=False)
    provider.delete(project_id, outs)
    provider.delete(project_id, outs)  # already gone: still success
    assert provider.read(project_id, outs).id is None


def test_delete_of_a_project_with_a_protected_branch_is_refused_by_neon(neon: Neon) -> None:
    project_id, outs = created(neon)
    with pytest.raises(Exception, match="protected"):
        provider.delete(project_id, outs)
    assert provider.read(project_id, outs).id == project_id


def test_adopt_takes_over_an_existing_project_and_applies_settings(neon: Neon) -> None:
    existing_id, _ = created(neon, name="legacy", history_retention_seconds=86_400, protect_default_branch=False)
    neon.transport.sent.clear()
    result = provider.create(project_props(adopt_project_id=existing_id))
    assert result.id == existing_id
    assert not [s for s in neon.transport.mutations() if (s.method, s.path) == ("POST", "/projects")]
    with neon.client() as client:
        project = client.get_project(existing_id)
        branch = client.get_branch(existing_id, result.outs["default_branch_id"])
    assert (project.name, project.history_retention_seconds) == ("workshelf-test", 604_800)
    assert branch.protected


def test_adopt_refuses_a_project_in_another_region(neon: Neon) -> None:
    existing_id, _ = created(neon, region_id="aws-us-east-2")
    with pytest.raises(ProviderError) as refused:
        provider.create(project_props(adopt_project_id=existing_id))
    assert refused.value.message == (
        f"cannot adopt Neon project {existing_id}: region_id is 'aws-us-east-2', settings say 'aws-eu-central-1'"
    )
    assert refused.value.hint == (
        "workshelf-infra:neon.adoptProjectId must name a project in the stack file's region and Postgres version"
    )


def test_failure_after_create_keeps_the_id_so_nothing_is_orphaned(
    neon: Neon, capsys: pytest.CaptureFixture[str]
) -> None:
    neon.backend.faults.add(
        FaultRule(kind="status", status=500, count=50, method="PATCH", path="/projects/*/branches/*")
    )
    project_id, outs = created(neon)
    assert outs["default_branch_protected"] is False
    assert "protecting its default branch failed" in capsys.readouterr().err
    assert len([p for p in neon.backend.request_log if (p.method, p.path) == ("POST", "/projects")]) == 1
    neon.backend.faults.clear()
    with neon.client() as client:
        assert [p.id for p in client.list_projects()] == [project_id]
