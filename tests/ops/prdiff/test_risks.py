"""Risk callouts from real previews, and which of them block."""

from __future__ import annotations

from pathlib import Path

import yaml

from infra.ops.prdiff.facts import stack_facts
from infra.ops.prdiff.model import FieldChange, ResourceChange, StackFacts, StackPreview
from infra.ops.prdiff.risks import assess
from tests.ops.prdiff.conftest import report_of

STAGING = StackFacts(stack="staging", environment="staging", plan="launch", history_retention_seconds=604_800)
PRODUCTION = StackFacts(stack="production", environment="production", plan="scale", history_retention_seconds=2_592_000)


def _project_update(*fields: FieldChange, stack: str = "staging") -> StackPreview:
    change = ResourceChange(
        urn=f"urn:pulumi:{stack}::p::t::{stack}-project",
        name=f"{stack}-project",
        kind="Project",
        action="update",
        fields=list(fields),
    )
    return StackPreview(stack=stack, changes=[change])


def test_no_changes__no_risks() -> None:
    report = report_of("staging-no-changes", "production-no-changes")
    assert report.risks == []
    assert not report.blocked


def test_retention_shortened__restore_horizon_before_and_after_not_blocking() -> None:
    [risk] = report_of("staging-retention-1-day").risks
    assert risk.kind == "retention-shortened"
    assert risk.title == "staging: restore horizon shortened from 7 days to 1 day"
    assert "reaches back 1 day instead of 7 days" in risk.detail
    assert not risk.blocking


def test_retention_lengthened__no_risk() -> None:
    preview = _project_update(FieldChange(name="history_retention_seconds", old=86_400, new=604_800))
    assert assess(preview, STAGING) == []


def test_production_retention_below_minimum__says_so() -> None:
    preview = _project_update(
        FieldChange(name="history_retention_seconds", old=2_592_000, new=604_800), stack="production"
    )
    [risk] = assess(preview, PRODUCTION)
    assert "Production's minimum is 30 days." in risk.detail


def test_retention_over_cap__from_the_config_the_preview_ran_with() -> None:
    report = report_of("staging-retention-over-cap")
    kinds = [r.kind for r in report.risks]
    assert kinds == ["retention-over-cap", "preview-failed"]
    assert report.risks[0].title == "staging: retention of 30 days exceeds the launch plan's cap of 7 days"


def test_retention_over_cap__from_the_stack_file_when_no_preview_ran(tmp_path: Path) -> None:
    stack_file = {
        "config": {
            "workshelf-infra:environment": "staging",
            "workshelf-infra:neon": {"plan": "free", "historyRetentionSeconds": 86_400},
        }
    }
    (tmp_path / "Pulumi.staging.yaml").write_text(yaml.safe_dump(stack_file))
    facts = stack_facts("staging", tmp_path, {})
    assert facts.plan == "free"
    risks = assess(StackPreview(stack="staging", errors=["pulumi is not installed"]), facts)
    assert [r.kind for r in risks] == ["retention-over-cap", "preview-failed"]
    assert risks[0].title == "staging: retention of 1 day exceeds the free plan's cap of 6 hours"


def test_production_region_change__one_blocking_risk_naming_the_cause_and_what_goes_with_it() -> None:
    [risk] = report_of("production-region").risks
    assert risk.kind == "location-changed"
    assert risk.blocking
    assert risk.title == (
        "production project `production-project` would be replaced (`region_id`: `aws-eu-central-1` → `aws-us-east-2`)"
    )
    assert "every row" in risk.detail
    assert "branch `production-default-branch`, role `production-owner-role`" in risk.detail
    assert "`protect` refuses it today: `pulumi up` stops with an error" in risk.detail


def test_staging_pg_version_change__replacement_called_out_but_not_blocking() -> None:
    [risk] = report_of("staging-pg-version").risks
    assert risk.kind == "location-changed"
    assert "(`pg_version`: `17` → `16`)" in risk.title
    assert not risk.blocking
    assert "database `staging-database`" in risk.detail


def test_production_branch_unprotected__blocks() -> None:
    [risk] = report_of("production-unprotect-branch").risks
    assert (risk.kind, risk.blocking) == ("protection-removed", True)
    assert risk.title == "production branch `production-default-branch` loses Neon branch protection"


def test_staging_branch_unprotected__called_out_without_blocking() -> None:
    change = ResourceChange(
        urn="urn:x::staging-default-branch",
        name="staging-default-branch",
        kind="Branch",
        action="update",
        fields=[FieldChange(name="protected", old=True, new=False)],
    )
    [risk] = assess(StackPreview(stack="staging", changes=[change]), STAGING)
    assert (risk.kind, risk.blocking) == ("protection-removed", False)


def test_protect_option_dropped__one_blocking_risk_naming_every_resource() -> None:
    [risk] = report_of("production-protect-dropped").risks
    assert (risk.kind, risk.blocking) == ("protect-dropped", True)
    assert risk.title == "production: 5 resources lose Pulumi's `protect`"
    assert risk.detail.startswith(
        "Project `production-project`, branch `production-default-branch`, database `production-database`, "
        "backup schedule `production-backup-schedule`, role `production-owner-role`. Without `protect`"
    )


def test_override_reason_from_the_stack_file_is_quoted() -> None:
    [risk] = report_of("production-unprotect-branch").risks
    assert risk.detail.endswith(
        "Reason given in `safetyOverrides.unprotectedDefaultBranch`: "
        "“data migration INC-42: the vendor tool needs an unprotected branch”."
    )


def test_production_delete__blocks() -> None:
    [risk] = report_of("production-role-delete").risks
    assert (risk.kind, risk.blocking) == ("deleted", True)
    assert risk.title == "production role `production-owner-role` would be deleted"


def test_irreversible_setting_turned_on__called_out() -> None:
    preview = _project_update(FieldChange(name="enable_logical_replication", old=False, new=True))
    [risk] = assess(preview, STAGING)
    assert (risk.kind, risk.blocking) == ("irreversible", False)
    assert risk.title == "staging: `enable_logical_replication` turned on (irreversible)"


def test_failed_preview__is_a_risk_with_the_message() -> None:
    risks = assess(StackPreview(stack="production", errors=["boom"]), PRODUCTION)
    assert [(r.kind, r.detail, r.blocking) for r in risks] == [("preview-failed", "boom", False)]


def test_blocking_risks_come_first() -> None:
    retention = FieldChange(name="history_retention_seconds", old=2_592_000, new=2_000_000)
    branch = ResourceChange(
        urn="urn:x::b",
        name="b",
        kind="Branch",
        action="update",
        fields=[FieldChange(name="protected", old=True, new=False)],
    )
    preview = _project_update(retention, stack="production")
    preview = preview.model_copy(update={"changes": [*preview.changes, branch]})
    assert [r.blocking for r in assess(preview, PRODUCTION)] == [True, False]
