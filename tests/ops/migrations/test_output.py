"""The lint report as text, JSON (the documented shape), GitHub annotations and the PR-comment section."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from infra.ops.migrations.findings import Finding, LintReport, RevisionInfo
from infra.ops.migrations.output import annotation, markdown_section, render_report

DROP = Finding(
    revision="a004",
    file="migrations/versions/a004_drop_pages.py",
    rule="ban-drop-column",
    severity="blocking",
    target="books.pages",
    statement="ALTER TABLE books DROP COLUMN pages",
    message="data is gone",
    safe="expand/contract",
    note="deprecated in a003, applied to production on 2026-05-29T12:00:00Z (3 days ago)",
    sql_line=2,
    file_line=14,
    allowed_after=datetime(2026, 6, 12, 12, tzinfo=UTC),
)
WARN = Finding(
    revision="a004",
    file="migrations/versions/a004_drop_pages.py",
    rule="ban-drop-not-null",
    severity="warning",
    target="books.isbn",
    statement="ALTER TABLE books ALTER COLUMN isbn DROP NOT NULL",
    message="may break clients",
    sql_line=3,
    file_line=14,
)
REPORT = LintReport(
    stack="production",
    start="a003",
    revisions=(RevisionInfo(revision="a004", file="migrations/versions/a004_drop_pages.py"),),
    findings=(DROP, WARN),
)


def test_text() -> None:
    assert render_report(REPORT, "text").splitlines() == [
        "migration-lint: 1 pending revision(s) after production's applied revision a003",
        "a004  migrations/versions/a004_drop_pages.py",
        "  BLOCKING  ban-drop-column  books.pages",
        "    ALTER TABLE books DROP COLUMN pages  (SQL line 2)",
        "    why: data is gone",
        "    safe way: expand/contract",
        "    deprecated in a003, applied to production on 2026-05-29T12:00:00Z (3 days ago)",
        "  warning  ban-drop-not-null  books.isbn",
        "    ALTER TABLE books ALTER COLUMN isbn DROP NOT NULL  (SQL line 3)",
        "    why: may break clients",
        "result: 1 revision(s) after a003: 1 blocking, 0 acknowledged, 0 allowed, 1 warning -> BLOCKED",
    ]


def test_json_has_the_documented_keys() -> None:
    document = json.loads(render_report(REPORT, "json"))
    assert set(document) == {"stack", "from", "exit_code", "revisions", "findings"}
    assert document["exit_code"] == 8
    assert document["revisions"] == [
        {"revision": "a004", "file": "migrations/versions/a004_drop_pages.py", "irreversible": False, "deprecates": []}
    ]
    first = document["findings"][0]
    assert {k: first[k] for k in ("revision", "rule", "severity", "statement", "message")} == {
        "revision": "a004",
        "rule": "ban-drop-column",
        "severity": "blocking",
        "statement": "ALTER TABLE books DROP COLUMN pages",
        "message": "data is gone",
    }
    assert first["allowed_after"] == "2026-06-12T12:00:00Z"


def test_github_annotations_escape_their_properties() -> None:
    assert annotation(DROP) == (
        "::error file=migrations/versions/a004_drop_pages.py,line=14,title=ban-drop-column books.pages (blocking)::"
        "ALTER TABLE books DROP COLUMN pages: data is gone Safe way: expand/contract. deprecated in a003, applied to "
        "production on 2026-05-29T12:00:00Z (3 days ago)"
    )
    assert annotation(WARN).startswith("::warning file=")
    odd = WARN.model_copy(update={"file": "a,b:c.py", "message": "50%\nnext"})
    assert annotation(odd).startswith("::warning file=a%2Cb%3Ac.py,line=14,")
    assert annotation(odd).endswith("50%25%0Anext")


def test_markdown_section_has_no_volatile_parts() -> None:
    section = markdown_section(REPORT)
    assert section.splitlines()[0] == "#### Migration lint — ⛔ blocked"
    assert (
        "| ⛔ blocking | `a004` migrations/versions/a004_drop_pages.py | `ban-drop-column` | `books.pages` |" in section
    )
    assert markdown_section(REPORT) == section
    clean = LintReport(stack="production", start="a004", revisions=(), findings=())
    assert markdown_section(clean).splitlines()[0] == "#### Migration lint — ✅ nothing blocks"
