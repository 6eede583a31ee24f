"""Reading `pulumi up|destroy --json` events: the change summary and plain-words errors."""

from __future__ import annotations

import json

from infra.ops.pulumi_events import UpdateReport, exception_message, parse_events

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/p/.venv/lib/python3.11/site-packages/pulumi/dynamic/__main__.py", line 142, in Update\n'
    "    result = provider.update(request.id, olds, news)\n"
    "infra.localpg.errors.StartError: PostgreSQL did not start on 127.0.0.1:55999 (data /p/.dev/pgdata).\n"
    "last server log lines:\n"
    "  | FATAL:  could not bind IPv4 address\n"
)


def events(*items: dict[str, object]) -> str:
    return "\n".join(json.dumps(item) for item in items) + "\n"


def test_parse_events__success_with_changes() -> None:
    report = parse_events(events(
        {"preludeEvent": {"config": {}}},
        {"diagnosticEvent": {"message": "dev engine: native (no Docker)\n", "severity": "info"}},
        {"diagnosticEvent": {"message": "debug noise\n", "severity": "debug"}},
        {"summaryEvent": {"resourceChanges": {"create": 3}, "result": "succeeded"}},
    ))  # fmt: skip
    assert report == UpdateReport(succeeded=True, changes={"create": 3}, infos=("dev engine: native (no Docker)",))
    assert report.changed
    assert report.describe_changes() == "3 created"


def test_parse_events__no_changes() -> None:
    report = parse_events(events({"summaryEvent": {"resourceChanges": {"same": 3}, "result": "succeeded"}}))
    assert not report.changed
    assert report.describe_changes() == "no changes (3 resources unchanged)"


def test_describe_changes__orders_and_merges_replacements() -> None:
    report = UpdateReport(succeeded=True, changes={"same": 2, "delete-replaced": 1, "create-replacement": 1,
                                                   "update": 1, "read": 1})  # fmt: skip
    assert report.describe_changes() == "1 updated, 2 replaced, 2 unchanged, 1 read"


def test_parse_events__failure_keeps_the_exception_message_and_drops_generic_lines() -> None:
    report = parse_events(events(
        {"diagnosticEvent": {"prefix": "error: ", "message": TRACEBACK, "severity": "error"}},
        {"diagnosticEvent": {"prefix": "error: ", "message": "update failed\n", "severity": "error"}},
        {"summaryEvent": {"resourceChanges": {"same": 2}, "result": "failed"}},
        {"diagnosticEvent": {"message": "Resource monitor has terminated, shutting down\n", "severity": "error"}},
    ))  # fmt: skip
    assert not report.succeeded
    assert report.errors == (
        "PostgreSQL did not start on 127.0.0.1:55999 (data /p/.dev/pgdata).\nlast server log lines:\n"
        "  | FATAL:  could not bind IPv4 address",
    )


def test_parse_events__failure_without_events_keeps_stderr() -> None:
    report = parse_events("not json at all\n", "error: no stack named 'dev' found\n")
    assert report.errors == ("error: no stack named 'dev' found",)
    assert not report.succeeded


def test_exception_message__plain_text_is_kept() -> None:
    assert exception_message("config is invalid") == "config is invalid"
