"""migration-test's result as text and as the PR comment's section."""

from __future__ import annotations

import json

from infra.ops.migrations.roundtrip import Problem, RevisionTrip, RoundTripReport, Step
from infra.ops.migrations.trip_output import trip_json, trip_lines, trip_markdown

STEPS = [
    Step(command="upgrade a003", exit_code=0, seconds=0.5, revision="a003"),
    Step(command="downgrade a002", exit_code=0, seconds=0.25, revision="a002"),
    Step(command="upgrade a003", exit_code=0, seconds=0.5, revision="a003"),
]
LOSS = Problem(
    kind="round-trip-data",
    target="books.pages",
    detail="column public.books.pages lost or changed data after the downgrade",
)
REPORT = RoundTripReport(
    start="a002",
    trips=[
        RevisionTrip(revision="a003", irreversible=False, steps=STEPS, problems=[]),
        RevisionTrip(revision="a004", irreversible=False, steps=STEPS, problems=[LOSS]),
        RevisionTrip(revision="a005", irreversible=True, steps=STEPS[:1], problems=[]),
    ],
)


def test_text_names_the_table_and_column() -> None:
    assert trip_lines(REPORT) == [
        "3 revision(s) tested after a002",
        "a003  upgrade a003 ok 0.50s · downgrade a002 ok 0.25s · upgrade a003 ok 0.50s",
        "  round trip: revision, schema, row counts and column checksums unchanged",
        "a004  upgrade a003 ok 0.50s · downgrade a002 ok 0.25s · upgrade a003 ok 0.50s",
        "  FAILED round-trip-data books.pages: column public.books.pages lost or changed data after the downgrade",
        "a005  upgrade a003 ok 0.50s",
        "  irreversible (marked): upgraded, not round-tripped",
        "result: FAILED",
    ]


def test_an_acknowledged_change_passes() -> None:
    acked = LOSS.model_copy(update={"acknowledged": "page counts are re-imported"})
    report = RoundTripReport(
        start="a003", trips=[RevisionTrip(revision="a004", irreversible=False, steps=STEPS, problems=[acked])]
    )
    assert report.ok
    assert trip_lines(report)[2] == (
        "  acknowledged round-trip-data books.pages: column public.books.pages lost or changed data after the "
        "downgrade (page counts are re-imported)"
    )


def test_markdown_and_json() -> None:
    section = trip_markdown(REPORT, "a branch of staging's data")
    assert section.splitlines()[:3] == [
        "#### Migration test — ❌ failed",
        "",
        "Upgrade, downgrade, upgrade per revision on a branch of staging's data.",
    ]
    assert "| `a004` | FAILED round-trip-data books.pages: column public.books.pages lost" in section
    assert "0.50s" not in section
    document = json.loads(trip_json(REPORT, "scratch database"))
    assert (document["ok"], document["where"], document["trips"][1]["problems"][0]["target"]) == (
        False,
        "scratch database",
        "books.pages",
    )
