"""Secrets never reach the comment: masked values, masked free text, leaks injected on purpose."""

from __future__ import annotations

import json

import pytest

from infra.ops.prdiff.changes import stack_preview
from infra.ops.prdiff.facts import stack_facts
from infra.ops.prdiff.mask import MASKED, UNKNOWN, mask_text, mask_value
from infra.ops.prdiff.model import Report, StackReport
from infra.ops.prdiff.preview import PreviewDigest
from infra.ops.prdiff.render import render_comment
from infra.ops.prdiff.risks import assess
from tests.ops.prdiff.scenarios import load_fixture

PASSWORD = "Zq8-leaked-pw-7Yt2"
URI = f"postgresql://workshelf_owner:{PASSWORD}@ep-x.eu-central-1.aws.neon.tech/workshelf?sslmode=require"
API_KEY = "napi_leak0123456789abcdef"
ENVELOPE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": PASSWORD}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("password", PASSWORD, MASKED),
        ("connection_uri", URI, MASKED),
        ("database_url", "anything", MASKED),
        ("api_key", 12345, MASKED),
        ("notes", URI, MASKED),  # the value gives it away, whatever the key
        ("notes", "postgres://role@host/db", MASKED),  # no password, still names role and host
        ("notes", API_KEY, MASKED),
        ("name", ENVELOPE, MASKED),
        ("project_id", "04da6b54-80e4-46f7-96ec-b56ff0331ba9", UNKNOWN),
        ("region_id", "aws-eu-central-1", "aws-eu-central-1"),
        ("history_retention_seconds", 604800, 604800),
        ("protected", True, True),
        ("password", None, None),
        ("allowed_ips", ["10.0.0.0/8", URI], ["10.0.0.0/8", MASKED]),
        ("settings", {"token": "t0k", "ips": ["1.2.3.4"]}, {"token": MASKED, "ips": ["1.2.3.4"]}),
    ],
)
def test_mask_value(key: str, value: object, expected: object) -> None:
    assert mask_value(key, value) == expected


def test_mask_text__uris_and_api_keys_inside_messages() -> None:
    text = f"connect to {URI} failed; key {API_KEY} rejected; host ep-x.neon.tech is fine"
    masked = mask_text(text)
    assert PASSWORD not in masked
    assert "postgresql://" not in masked
    assert API_KEY not in masked
    assert "host ep-x.neon.tech is fine" in masked


def _leaky_preview() -> dict[str, object]:
    """The real pg-version preview with secrets planted where a careless tool would print them."""
    document = load_fixture("staging-pg-version")
    steps = document["steps"]
    role = next(s for s in steps if s["urn"].endswith("::staging-owner-role"))
    role["oldState"]["inputs"]["password"] = PASSWORD
    role["newState"]["inputs"]["password"] = ENVELOPE
    role["oldState"]["outputs"].update({"password": PASSWORD, "connection_uri": URI})
    role["newState"]["inputs"]["notes"] = f"use {URI}"
    stack = next(s for s in steps if s["urn"].endswith("workshelf-infra-staging"))
    stack["oldState"]["outputs"]["database_url"] = URI
    document["diagnostics"] = [{"message": f"error: could not connect to {URI} with {API_KEY}\n", "severity": "error"}]
    document["config"]["workshelf-infra:neonApiKey"] = API_KEY
    return document


def test_rendered_comment_holds_no_password_uri_or_api_key() -> None:
    document = _leaky_preview()
    digest = PreviewDigest.model_validate(document)
    preview = stack_preview("staging", digest)
    facts = stack_facts("staging", None, digest.config)
    report = Report(stacks=[StackReport(preview=preview, facts=facts, risks=assess(preview, facts))])
    comment = render_comment(report)
    assert PASSWORD in json.dumps(document)  # the leaks were planted
    for secret in (PASSWORD, URI, API_KEY, "postgresql://", "postgres://"):
        assert secret not in comment
    assert "could not connect to [secret] with [secret]" in comment  # the error itself is still shown
    assert "`password`: `[secret]` → `[secret]`" in comment
