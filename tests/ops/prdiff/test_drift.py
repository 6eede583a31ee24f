"""The drift check on real refresh previews (a retention changed in Neon behind Pulumi's back)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.errors import ExitCode
from infra.ops.prdiff.drift import DriftOptions, check_drift, drift_changes, drifted_resources
from infra.ops.prdiff.model import FieldChange
from infra.ops.prdiff.preview import PreviewDigest
from infra.ops.pulumi import PulumiError, PulumiResult
from tests.ops.prdiff.scenarios import GOLDEN, load_fixture, update_golden


class FakeCli:
    """Answers the two commands the drift check runs, from saved outputs; records what was asked."""

    def __init__(self, refresh: dict[str, Any] | None, preview: dict[str, Any] | None = None) -> None:
        self.refresh, self.preview = refresh, preview
        self.calls: list[tuple[str, ...]] = []

    def run(self, stack: str, args: Sequence[str], *, check: bool = True) -> PulumiResult:
        self.calls.append((stack, *args))
        if self.refresh is None:
            raise PulumiError("PULUMI_CONFIG_PASSPHRASE is not set")
        return PulumiResult(0, json.dumps(self.refresh), "")

    def preview_json(self, stack: str, *extra: str) -> dict[str, Any]:
        self.calls.append((stack, "preview", *extra))
        assert self.preview is not None
        return self.preview


def test_refresh_summary_counts_drifted_resources() -> None:
    # The fixture's world had two changes made in Neon: the retention and the backup schedule.
    assert drifted_resources(PreviewDigest.model_validate(load_fixture("staging-drift-refresh"))) == 2
    assert drifted_resources(PreviewDigest.model_validate(load_fixture("staging-no-changes"))) == 0


def test_drift_changes__deployed_value_against_the_value_in_neon() -> None:
    changes = drift_changes(PreviewDigest.model_validate(load_fixture("staging-drift-preview-refresh")))
    assert [(c.name, c.kind, c.drift) for c in changes] == [
        ("staging-project", "Project", True),
        ("staging-backup-schedule", "BackupSchedule", True),
    ]
    assert changes[0].fields == [FieldChange(name="history_retention_seconds", old=604_800, new=3_600)]
    daily = {"frequency": "daily", "hour": 3}
    assert changes[1].fields == [
        FieldChange(
            name="schedule", old=[{**daily, "retention_seconds": 604_800}], new=[{**daily, "retention_seconds": 86_400}]
        )
    ]


def test_check_drift__drift_found_exit_5_with_table_and_risk(tmp_path: Path) -> None:
    cli = FakeCli(load_fixture("staging-drift-refresh"), load_fixture("staging-drift-preview-refresh"))
    result = check_drift(DriftOptions(stacks=["staging"], project_dir=tmp_path), cli)  # type: ignore[arg-type]
    assert result.exit_code == ExitCode.DRIFT
    assert cli.calls == [
        ("staging", "refresh", "--preview-only", "--json", "--expect-no-changes"),
        ("staging", "preview", "--refresh"),
    ]
    assert result.summary == "drift check: staging: 2 resources drifted"
    assert (
        "| `staging-project` Project | `history_retention_seconds` | `604800 (7 days)` | `3600 (1 hour)` |"
        in result.markdown
    )
    assert (
        "| `staging-backup-schedule` BackupSchedule | `schedule` | `daily at 03:00 UTC, kept 7 days` | "
        "`daily at 03:00 UTC, kept 1 day` |" in result.markdown
    )
    assert "restore horizon cut from 7 days to 1 hour outside Pulumi" in result.markdown
    assert "**staging: snapshot retention shortened outside Pulumi (daily: 7 days → 1 day).**" in result.markdown
    path = GOLDEN / "drift-staging.md"
    if update_golden():
        path.write_text(result.markdown)
    assert result.markdown == path.read_text()


def test_check_drift__no_drift_exit_0_and_no_second_command(tmp_path: Path) -> None:
    refresh = load_fixture("staging-drift-refresh")
    refresh["changeSummary"] = {"same": 7}
    cli = FakeCli(refresh)
    result = check_drift(DriftOptions(stacks=["staging"], project_dir=tmp_path), cli)  # type: ignore[arg-type]
    assert result.exit_code == 0
    assert len(cli.calls) == 1
    assert "### Drift check — ✅ no drift" in result.markdown


def test_check_drift__cannot_run_exit_1_with_the_reason(tmp_path: Path) -> None:
    result = check_drift(DriftOptions(stacks=["production"], project_dir=tmp_path), FakeCli(None))  # type: ignore[arg-type]
    assert result.exit_code == 1
    assert "PULUMI_CONFIG_PASSPHRASE is not set" in result.markdown
    assert result.summary == "drift check: production: check failed"
