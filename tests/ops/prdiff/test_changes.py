"""Parsing real `pulumi preview --json` output of our stacks into resource changes."""

from __future__ import annotations

import pytest

from infra.ops.prdiff.changes import differs, stack_preview
from infra.ops.prdiff.mask import UNKNOWN
from infra.ops.prdiff.model import FieldChange
from infra.ops.prdiff.preview import PreviewDigest
from tests.ops.prdiff.conftest import preview_of
from tests.ops.prdiff.scenarios import load_fixture


@pytest.mark.parametrize("name", ["staging-no-changes", "production-no-changes"])
def test_no_changes__nothing_listed_and_the_stack_resource_is_skipped(name: str) -> None:
    preview = preview_of(name)
    assert preview.changes == []
    assert preview.unchanged == 7  # the stack, project, branch, database, role, backup schedule, provider
    assert not preview.failed


def test_retention_update__one_change_with_old_and_new_inputs() -> None:
    preview = preview_of("staging-retention-1-day")
    assert [(c.name, c.kind, c.action) for c in preview.changes] == [("staging-project", "Project", "update")]
    assert preview.changes[0].fields == [FieldChange(name="history_retention_seconds", old=604_800, new=86_400)]


def test_provider_blob_is_never_a_changed_field() -> None:
    changes = preview_of("staging-pg-version").changes
    assert all(f.name != "__provider" for c in changes for f in c.fields)


def test_pg_version__project_replaced_for_its_reason_and_dependents_have_unknown_ids() -> None:
    changes = {c.name: c for c in preview_of("staging-pg-version").changes}
    assert {c.action for c in changes.values()} == {"replace"}
    project = changes["staging-project"]
    assert project.reasons == ["pg_version"]
    assert project.fields == [FieldChange(name="pg_version", old=17, new=16)]
    database = changes["staging-database"]
    assert {f.name: f.new for f in database.fields} == {"branch_id": UNKNOWN, "project_id": UNKNOWN}


def test_protected_replacement__recovered_from_the_engine_diagnostics_not_counted_as_failure() -> None:
    preview = preview_of("production-region")
    changes = {c.name: c for c in preview.changes}
    assert list(changes) == ["production-project", "production-default-branch", "production-owner-role"]
    assert all(c.action == "replace" and c.blocked_by_protect and c.protected for c in changes.values())
    assert changes["production-project"].fields == [
        FieldChange(name="region_id", old="aws-eu-central-1", new="aws-us-east-2")
    ]
    assert changes["production-owner-role"].follows == "production-default-branch"
    assert preview.errors == []
    assert preview.stopped_early


def test_protected_delete__blocked_delete_listed_before_the_create() -> None:
    preview = preview_of("production-role-delete")
    assert [(c.name, c.action, c.blocked_by_protect) for c in preview.changes] == [
        ("production-owner-role", "delete", True),
        ("production-owner-role-v2", "create", False),
    ]
    assert preview.changes[0].fields == []
    assert preview.errors == []


def test_protect_option_dropped__each_resource_listed_even_though_its_step_is_same() -> None:
    changes = preview_of("production-protect-dropped").changes
    assert [(c.name, c.action, c.protect_dropped) for c in changes] == [
        ("production-project", "unprotect", True),
        ("production-default-branch", "unprotect", True),
        ("production-database", "unprotect", True),
        ("production-backup-schedule", "unprotect", True),
        ("production-owner-role", "unprotect", True),
    ]


def test_branch_protection_off__one_update_of_the_protected_flag() -> None:
    changes = preview_of("production-unprotect-branch").changes
    assert [(c.name, c.action) for c in changes] == [("production-default-branch", "update")]
    assert changes[0].fields == [FieldChange(name="protected", old=True, new=False)]


def test_program_error__is_a_failure_with_the_programs_message_and_no_follow_on_noise() -> None:
    preview = preview_of("staging-retention-over-cap")
    assert preview.failed
    assert len(preview.errors) == 1
    assert "exceeds the launch plan's cap of 604800" in preview.errors[0]
    assert not preview.errors[0].startswith("error:")


def test_outputs_are_trimmed_to_input_keys_at_the_boundary() -> None:
    digest = PreviewDigest.model_validate(load_fixture("production-role-delete"))
    role = next(s for s in digest.steps if s.op == "delete")
    assert role.old_state is not None
    assert "password" not in role.old_state.outputs
    assert "connection_uri" not in role.old_state.outputs
    stack_step = next(s for s in digest.steps if s.urn.endswith("workshelf-infra-production"))
    assert stack_step.old_state is not None
    assert stack_step.old_state.outputs == {}


def test_replacements_and_deletes_come_first() -> None:
    document = load_fixture("staging-pg-version")
    update = load_fixture("staging-retention-1-day")["steps"][1]
    update["urn"] = update["urn"].replace("::staging-project", "::another-project")
    document["steps"] = [update, *document["steps"]]
    actions = [c.action for c in stack_preview("staging", PreviewDigest.model_validate(document)).changes]
    assert actions == ["replace", "replace", "replace", "replace", "replace", "update"]


def test_one_row_per_resource__the_most_dangerous_step_wins() -> None:
    document = load_fixture("staging-pg-version")
    update = load_fixture("staging-retention-1-day")["steps"][1]  # the same URN as the replaced project
    document["steps"] = [update, *document["steps"]]
    changes = stack_preview("staging", PreviewDigest.model_validate(document)).changes
    assert [(c.name, c.action) for c in changes if c.name == "staging-project"] == [("staging-project", "replace")]


def test_drift_only_update__changed_fields_come_from_refreshed_outputs() -> None:
    preview = preview_of("staging-drift-preview-refresh")
    assert [(c.name, c.drift) for c in preview.changes] == [
        ("staging-project", True),
        ("staging-backup-schedule", True),
    ]
    assert preview.changes[0].fields == [FieldChange(name="history_retention_seconds", old=3_600, new=604_800)]
    daily = {"frequency": "daily", "hour": 3}
    assert preview.changes[1].fields == [
        FieldChange(
            name="schedule", old=[{**daily, "retention_seconds": 86_400}], new=[{**daily, "retention_seconds": 604_800}]
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [(17, 17.0, False), (2, 2.5, True), (True, 1, True), (True, True, False), ("a", "a", False), (None, [], True)],
)
def test_differs__numbers_by_value_booleans_by_identity(old: object, new: object, expected: bool) -> None:
    assert differs(old, new) is expected
