"""The comment: golden files (read by eye for readability), digest, ordering, escaping and size budget.

Regenerate the goldens after a deliberate change with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/ops/prdiff`,
then read the diff.
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import pytest

from infra.ops.prdiff.changes import stack_preview
from infra.ops.prdiff.facts import stack_facts
from infra.ops.prdiff.markdown import code, format_value, github_length
from infra.ops.prdiff.model import FieldChange, Report, ResourceChange, StackReport
from infra.ops.prdiff.preview import PreviewDigest
from infra.ops.prdiff.render import COMMENT_LIMIT, MARKER, render_comment, table_row, verdict
from infra.ops.prdiff.risks import assess
from tests.ops.prdiff.conftest import preview_of, report_of
from tests.ops.prdiff.scenarios import GOLDEN, load_fixture, update_golden

GOLDENS: dict[str, tuple[tuple[str, ...], bool]] = {
    "no-changes": (("staging-no-changes", "production-no-changes"), False),
    "staging-retention": (("staging-retention-1-day", "production-no-changes"), False),
    "staging-pg-version": (("staging-pg-version", "production-no-changes"), False),
    "staging-preview-failed": (("staging-retention-over-cap", "production-no-changes"), False),
    "production-region-blocked": (("staging-no-changes", "production-region"), False),
    "production-region-acknowledged": (("staging-no-changes", "production-region"), True),
    "production-unprotect-branch": (("staging-no-changes", "production-unprotect-branch"), False),
    "production-protect-dropped": (("staging-no-changes", "production-protect-dropped"), False),
    "production-role-delete": (("staging-retention-1-day", "production-role-delete"), False),
    "schedules-shortened": (("staging-schedule-shortened", "production-schedule-shortened"), False),
    "production-schedule-removed": (("staging-no-changes", "production-schedule-removed"), False),
}


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden(name: str) -> None:
    fixtures, acknowledged = GOLDENS[name]
    comment = render_comment(report_of(*fixtures, acknowledged=acknowledged))
    path = GOLDEN / f"{name}.md"
    if update_golden():
        path.write_text(comment)
    assert comment == path.read_text(), f"{path.name} differs: regenerate with UPDATE_GOLDEN=1 and read the diff"


def _body(comment: str) -> str:
    return comment.split("\n", 2)[2]


def test_marker_then_digest_of_everything_below() -> None:
    comment = render_comment(report_of("staging-retention-1-day", "production-no-changes"))
    first, second, body = comment.split("\n", 2)
    assert first == MARKER
    assert second == f"<!-- digest: sha256:{hashlib.sha256(body.encode()).hexdigest()} -->"


def test_digest_is_stable_and_follows_content() -> None:
    names = ("staging-no-changes", "production-region")
    first, again = render_comment(report_of(*names)), render_comment(report_of(*names))
    acknowledged = render_comment(report_of(*names, acknowledged=True))
    assert first == again
    assert first.splitlines()[1] != acknowledged.splitlines()[1]


def test_verdict_line__one_per_stack() -> None:
    comment = render_comment(report_of("staging-retention-1-day", "production-no-changes"))
    assert "**staging:** 1 update · **production:** no changes" in comment.splitlines()


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("staging-no-changes", "no changes"),
        ("staging-retention-1-day", "1 update"),
        ("staging-pg-version", "5 replaces"),
        ("production-region", "3 replaces (3 blocked by `protect`)"),
        ("production-role-delete", "1 delete, 1 create (1 blocked by `protect`)"),
        ("production-protect-dropped", "5 lose `protect`"),
        ("staging-retention-over-cap", "preview failed"),
    ],
)
def test_verdict(fixture: str, expected: str) -> None:
    assert verdict(preview_of(fixture)) == expected


def test_table__destructive_rows_first_and_bold() -> None:
    comment = render_comment(report_of("production-role-delete"))
    rows = [line for line in comment.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1].startswith("| **`production-owner-role`** Role | **delete** (blocked by `protect`) | — |")
    assert rows[2].startswith("| `production-owner-role-v2` Role | create | `adopt_existing` = `true`<br>")


def test_table_cells_survive_pipes_and_backticks() -> None:
    change = ResourceChange(
        urn="u",
        name="odd|name",
        kind="Project",
        action="update",
        fields=[FieldChange(name="name", old="a`b", new="c|d")],
    )
    row = table_row(change)
    assert row.count(" | ") == 2  # the cell separators only: the pipe in the values is escaped
    assert "``a`b``" in row
    assert "`c\\|d`" in row


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("history_retention_seconds", 2_592_000, "2592000 (30 days)"),
        ("suspend_timeout_seconds", -1, "-1 (never)"),
        ("suspend_timeout_seconds", 0, "0"),
        ("autoscaling_max_cu", 2.0, "2"),
        ("allowed_ips", ["10.0.0.0/8"], '["10.0.0.0/8"]'),
        ("protected", False, "false"),
        ("org_id", None, "null"),
        ("name", "x" * 200, "x" * 79 + "…"),
    ],
)
def test_format_value(name: str, value: Any, expected: str) -> None:
    assert format_value(name, value) == expected


def test_code_span_with_backticks_at_the_edges() -> None:
    assert code("`x`") == "`` `x` ``"


# -- the size budget ------------------------------------------------------------------------------
def _synthetic(stack: str, template: dict[str, Any], count: int, op: str) -> dict[str, Any]:
    """A preview with `count` copies of one real step, each a distinct resource with long values."""
    document = copy.deepcopy(template)
    step = next(s for s in document["steps"] if s["op"] != "same")
    steps = []
    for i in range(count):
        clone = copy.deepcopy(step)
        clone["op"] = op
        clone["urn"] = f"{step['urn']}-{i:04d}"
        clone["newState"]["inputs"]["allowed_ips"] = [f"10.{i % 250}.{j}.0/24" for j in range(12)]
        clone["newState"]["inputs"]["name"] = f"workshelf-{stack}-{i:04d}-" + "n" * 60
        steps.append(clone)
    document["steps"] = steps
    return document


def _report(*documents: tuple[str, dict[str, Any]]) -> Report:
    stacks = []
    for stack, document in documents:
        digest = PreviewDigest.model_validate(document)
        preview, facts = stack_preview(stack, digest), stack_facts(stack, None, digest.config)
        stacks.append(StackReport(preview=preview, facts=facts, risks=assess(preview, facts)))
    return Report(stacks=stacks)


def test_huge_preview__trimmed_under_the_limit_keeping_verdict_and_risks() -> None:
    staging = _synthetic("staging", load_fixture("staging-retention-1-day"), 3_000, "update")
    production = _synthetic("production", load_fixture("production-unprotect-branch"), 40, "replace")
    comment = render_comment(_report(("staging", staging), ("production", production)))
    assert github_length(comment) <= COMMENT_LIMIT
    assert "**staging:** 3000 updates · **production:** 40 replaces" in comment
    # Risks are kept (folded per kind beyond ten), all kinds present.
    assert comment.count("- ⚠️ **staging: restore horizon shortened from 7 days to 1 day.**") == 10
    assert "…and 2990 more `retention-shortened` risks in staging" in comment
    assert "⛔ **production branch `production-default-branch-0000` would be replaced" in comment
    assert "[!CAUTION]" in comment
    # Tables were cut from the bottom, with a note saying so.
    hidden = int(re.search(r"_…(\d+) more rows not shown", comment)[1])  # type: ignore[index]
    shown = sum(1 for line in comment.splitlines() if line.startswith("| `staging-project-"))
    assert shown + hidden == 3_000
    assert shown > 50
    assert "| **`production-default-branch-0000`** Branch | **replace**" in comment


def test_many_risks_under_budget__all_listed() -> None:
    staging = _synthetic("staging", load_fixture("staging-retention-1-day"), 12, "update")
    comment = render_comment(_report(("staging", staging)))
    assert comment.count("restore horizon shortened from 7 days to 1 day") == 12
    assert "more `retention-shortened` risks" not in comment


def test_small_budget__tables_go_first_verdict_and_risks_stay() -> None:
    report = report_of("staging-retention-1-day", "production-region")
    comment = render_comment(report, budget=2_000)
    assert github_length(comment) <= 2_000
    assert "**staging:** 1 update · **production:** 3 replaces (3 blocked by `protect`)" in comment
    assert "restore horizon shortened" in comment
    assert "would be replaced" in comment
    assert "more rows not shown" in comment


def test_body_under_budget_is_not_trimmed() -> None:
    comment = render_comment(report_of("staging-pg-version", "production-region"))
    assert "rows not shown" not in comment
    assert _body(comment).count("| **`") == 8  # staging's 5 replacements (the backup schedule too), production's 3
