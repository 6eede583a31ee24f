"""Models: tolerant responses, minimal request bodies, masked secrets."""

from __future__ import annotations

from datetime import UTC, datetime

import pydantic
import pytest

from infra.neon import models


def test_request__sends_only_the_fields_set() -> None:
    update = models.ProjectUpdate(settings=models.ProjectSettings(allowed_ips=models.AllowedIps(ips=["10.0.0.1"])))
    assert update.to_body() == {"settings": {"allowed_ips": {"ips": ["10.0.0.1"]}}}


def test_request__explicit_none_is_dropped_unless_nullable() -> None:
    assert models.ProjectUpdate(name=None, history_retention_seconds=3600).to_body() == {
        "history_retention_seconds": 3600
    }
    assert models.BranchUpdate(expires_at=None).to_body() == {"expires_at": None}


def test_request__datetimes_are_rfc3339_and_must_be_aware() -> None:
    body = models.BranchCreate(name="b", parent_timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)).to_body()
    assert body == {"name": "b", "parent_timestamp": "2026-01-02T03:04:05Z"}
    with pytest.raises(pydantic.ValidationError):
        models.BranchCreate(parent_timestamp=datetime(2026, 1, 2))


def test_request__rejects_unknown_fields_and_out_of_range_values() -> None:
    with pytest.raises(pydantic.ValidationError):
        models.ProjectCreate(nmae="typo")  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError):
        models.ProjectCreate(pg_version=13)
    with pytest.raises(pydantic.ValidationError):
        models.ProjectCreate(history_retention_seconds=2592001)


def test_project_create__full_body() -> None:
    create = models.ProjectCreate(
        name="workshelf-staging",
        region_id="aws-eu-central-1",
        pg_version=17,
        history_retention_seconds=604800,
        branch=models.ProjectBranchSpec(name="main", database_name="workshelf", role_name="workshelf_owner"),
        default_endpoint_settings=models.DefaultEndpointSettings(
            autoscaling_limit_max_cu=2, suspend_timeout_seconds=300
        ),
        settings=models.ProjectSettings(
            allowed_ips=models.AllowedIps(ips=["203.0.113.0/24"], protected_branches_only=True)
        ),
    )
    assert create.to_body() == {
        "name": "workshelf-staging",
        "region_id": "aws-eu-central-1",
        "pg_version": 17,
        "history_retention_seconds": 604800,
        "branch": {"name": "main", "database_name": "workshelf", "role_name": "workshelf_owner"},
        "default_endpoint_settings": {"autoscaling_limit_max_cu": 2.0, "suspend_timeout_seconds": 300},
        "settings": {"allowed_ips": {"ips": ["203.0.113.0/24"], "protected_branches_only": True}},
    }


def test_response__ignores_unknown_fields_and_resends_only_what_it_got() -> None:
    project = models.Project.model_validate(
        {
            "id": "p-1",
            "name": "n",
            "region_id": "aws-us-east-2",
            "pg_version": 17,
            "created_at": "2026-01-01T00:00:00Z",
            "brand_new_field": {"x": 1},
            "settings": {"allowed_ips": {"ips": []}, "another_new_field": True},
        }
    )
    assert project.settings is not None
    assert project.settings.to_body() == {"allowed_ips": {"ips": []}}


def test_secrets__masked_in_reprs() -> None:
    role = models.RoleWithPassword(branch_id="br-1", name="app", password=pydantic.SecretStr("hunter2-pw"))
    details = models.ConnectionDetails.model_validate(
        {
            "connection_uri": "postgresql://app:hunter2-pw@ep-1.neon.tech/db",
            "connection_parameters": {
                "database": "db",
                "password": "hunter2-pw",
                "role": "app",
                "host": "ep-1.neon.tech",
                "pooler_host": "ep-1-pooler.neon.tech",
            },
        }
    )
    for text in (repr(role), str(role), repr(details), role.model_dump_json(), details.model_dump_json()):
        assert "hunter2-pw" not in text


def test_operation__terminal_states() -> None:
    def op(status: str) -> models.Operation:
        return models.Operation(id="o", project_id="p", action="create_branch", status=status)

    assert op("finished").succeeded
    assert op("skipped").succeeded
    assert all(op(s).failed for s in ("failed", "error", "cancelled"))
    assert not any(op(s).is_terminal for s in ("scheduling", "running", "cancelling", "brand_new_status"))
