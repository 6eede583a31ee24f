"""`release`: the lint, backup and migration through `migrate`, checks, the record; exit 9 with the
restore command; production refused (exit 8) before staging, at another revision, outside the window,
or on a blocking finding.

Alembic really runs for the lint (offline, on tests/fixtures/alembic_sample); the upgrades go through
the fake runner, whose fake database follows the revisions it is given."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from infra.errors import ExitCode
from infra.ops.neon.errors import NeonStackError
from infra.ops.release.errors import ReleaseError
from infra.ops.release.run import ReleaseRequest, release
from infra.ops.safety.pg import QueryValue
from infra.ops.times import at, rfc3339
from tests.support.clock import FakeClock
from tests.support.followup import WORKSHELF
from tests.support.migrations import CATALOGUE, SAMPLE
from tests.support.release import SHA, ReleaseHarness

PY = (sys.executable, "-m", "alembic")
CHECKS = "-- name: books are there\nSELECT count(*) FROM books;\n-- expect: >= 3\n\nSELECT 'Dune';\n-- expect: Dune\n"
UPGRADES = [[*PY, "upgrade", r] for r in ("0001", "0002", "0003")]


def request(stack: str, **options: object) -> ReleaseRequest:
    return ReleaseRequest.model_validate({"stack": stack, "argv": PY, "cwd": SAMPLE, **options})


def checks_file(tmp_path: Path) -> Path:
    path = tmp_path / "checks.sql"
    path.write_text(CHECKS)
    return path


def test_staging_release__lint_backup_migration_checks_record(release_harness: ReleaseHarness, tmp_path: Path) -> None:
    h = release_harness
    h.database.values = [QueryValue(value="3", rows=1), QueryValue(value="Dune", rows=1)]
    started = at(h.ctx.now())
    done = release(h.ctx, request("staging", checks_file=checks_file(tmp_path)))
    record = done.record
    assert (done.exit_code, done.failure()) == (0, None)
    assert (record.outcome, record.revision_before, record.revision_after, record.git_sha) == (
        "ok",
        None,
        "0003",
        SHA,
    )
    assert (record.checks_passed, record.checks_total) == (2, 2)
    assert [c.name for c in record.checks] == ["books are there", "check 2"]
    assert record.backup_branch_name == f"backup/pre-release-{started:%Y%m%dT%H%M%SZ}"
    assert record.backup_branch_name in h.branch_names("staging")
    assert (
        record.restore_command == f"{WORKSHELF} restore --stack staging --from-branch {record.backup_branch_id} --yes"
    )
    assert record.backup_expires_at is not None
    assert (record.outside_window, record.override_reason, record.command) == (False, None, shlex.join(PY))
    assert [c.argv for c in h.runner.calls] == UPGRADES
    assert {c.env["DATABASE_URL"] for c in h.runner.calls} == {h.url("staging")}
    assert [(e.revision, e.outcome, e.backup_branch) for e in h.migrations.recorded] == [
        (r, "ok", record.backup_branch_name) for r in ("0001", "0002", "0003")
    ]
    assert h.log.rows[h.url("staging")] == [record]
    assert record.id == 1
    assert json.loads(record.model_dump_json())["started_at"] == rfc3339(started)


def test_nothing_pending__the_backup_is_made_all_the_same(release_harness: ReleaseHarness) -> None:
    h = release_harness
    h.migrations.applied = ("0003",)
    record = release(h.ctx, request("staging")).record
    assert (record.outcome, record.revision_before, record.revision_after) == ("ok", "0003", "0003")
    assert record.backup_branch_name in h.branch_names("staging")
    assert h.runner.calls == []


def test_failing_checks__exit_9_with_the_restore_command(release_harness: ReleaseHarness, tmp_path: Path) -> None:
    h = release_harness
    h.database.values = [QueryValue(value="0", rows=1), QueryValue(value="Dune", rows=1)]
    done = release(h.ctx, request("staging", checks_file=checks_file(tmp_path)))
    assert (done.record.outcome, done.exit_code) == ("checks_failed", 9)
    failure = done.failure()
    assert failure is not None
    assert failure.exit_code == ExitCode.VERIFICATION_FAILED
    assert failure.message == (
        "release on staging: 1 of 2 check(s) failed after the migration: books are there: expected >= 3, got 0"
    )
    assert failure.hint == f"to bring back the data from before the release, run: {done.record.restore_command}"
    assert h.log.rows[h.url("staging")][0].outcome == "checks_failed"


def test_failed_migration__its_exit_code_no_checks_and_the_restore_command(
    release_harness: ReleaseHarness, tmp_path: Path
) -> None:
    h = release_harness
    h.runner.codes = [0, 3]
    done = release(h.ctx, request("staging", checks_file=checks_file(tmp_path)))
    assert (done.record.outcome, done.exit_code, done.record.checks_total) == ("migration_failed", 3, 0)
    assert (done.record.revision_before, done.record.revision_after) == (None, "0001")
    failure = done.failure()
    assert failure is not None
    assert failure.message == "release on staging: the migration failed (exit 3)"
    assert done.record.restore_command in failure.hint


def test_a_blocking_finding_refuses_before_any_branch(release_harness: ReleaseHarness) -> None:
    h = release_harness
    branches = h.branch_names("staging")
    with pytest.raises(ReleaseError) as refused:
        release(h.ctx, request("staging", cwd=CATALOGUE))
    assert refused.value.exit_code == ExitCode.REFUSED
    assert "blocking" in refused.value.message
    assert (h.runner.calls, h.branch_names("staging"), h.log.rows) == ([], branches, {})


def test_production_before_staging_is_refused_without_touching_anything(release_harness: ReleaseHarness) -> None:
    h = release_harness
    branches = h.branch_names("production")
    with pytest.raises(ReleaseError) as refused:
        release(h.ctx, request("production"))
    assert refused.value.exit_code == ExitCode.REFUSED
    assert refused.value.message == "production is released after staging, and staging has no successful release record"
    assert refused.value.hint == (
        f"release to staging first: {WORKSHELF} release --stack staging --cwd {SAMPLE} -- {shlex.join(PY)}"
    )
    assert (h.runner.calls, h.branch_names("production")) == ([], branches)


def test_production_at_another_revision_than_staging_is_refused(release_harness: ReleaseHarness) -> None:
    h = release_harness
    h.migrations.applied = ("0001",)
    staged = release(h.ctx, request("staging")).record  # 0001 -> 0003
    h.log.rows[h.url("staging")] = [staged.model_copy(update={"revision_after": "0002"})]  # say staging reached 0002
    h.migrations.applied = ()
    calls, branches = len(h.runner.calls), h.branch_names("production")
    with pytest.raises(ReleaseError) as refused:
        release(h.ctx, request("production"))
    assert refused.value.exit_code == ExitCode.REFUSED
    assert refused.value.message.startswith(
        "production would reach revision 0003, which no successful staging release reached; "
        "staging's last one reached 0002 at "
    )
    assert (len(h.runner.calls), h.branch_names("production")) == (calls, branches)  # nothing ran, nothing made
    assert h.url("production") not in h.log.rows


def test_production_after_staging_at_the_same_revision(release_harness: ReleaseHarness) -> None:
    h = release_harness
    release(h.ctx, request("staging"))
    done = release(h.ctx, request("production"))
    assert (done.record.outcome, done.record.revision_after, done.record.stack) == ("ok", "0003", "production")
    assert [c.env["DATABASE_URL"] for c in h.runner.calls] == [h.url("staging")] * 3 + [h.url("production")] * 3
    assert any(line.startswith("staging first: staging reached revision 0003 at ") for line in h.reporter.notes)


def test_production_outside_the_window_is_refused_before_any_call(
    release_harness: ReleaseHarness, clock: FakeClock
) -> None:
    h = release_harness
    clock.advance(2 * 86_400)  # Saturday 2026-01-03
    with pytest.raises(ReleaseError) as refused:
        release(h.ctx, request("production"))
    assert refused.value.exit_code == ExitCode.REFUSED
    assert refused.value.message.startswith(
        "production releases run in the window Mon-Fri 01:00-05:00 Europe/Berlin (workshelf-infra:release.window); "
        "now is Sat 03:3"
    )
    assert refused.value.message.endswith(
        "the next window opens Mon 2026-01-05 01:00 Europe/Berlin (2026-01-05T00:00:00Z)"
    )
    assert (h.outputs_read, h.runner.calls) == ([], [])


def test_outside_the_window_with_a_reason__recorded(release_harness: ReleaseHarness, clock: FakeClock) -> None:
    h = release_harness
    release(h.ctx, request("staging"))
    clock.advance(2 * 86_400)
    reason = "  hotfix for the checkout outage  "
    record = release(h.ctx, request("production", outside_window=True, reason=reason)).record
    assert (record.outcome, record.outside_window, record.override_reason) == ("ok", True, reason.strip())


@pytest.mark.parametrize(
    ("outside", "reason", "message"),
    [
        (True, None, "--outside-window needs --reason with at least 10 characters (got 0)"),
        (True, "   too short   ", "--outside-window needs --reason with at least 10 characters (got 9)"),
        (False, "a reason without the flag", "--reason explains --outside-window: give both, or neither"),
    ],
)
def test_override_arguments_are_checked_first(
    release_harness: ReleaseHarness, outside: bool, reason: str | None, message: str
) -> None:
    h = release_harness
    with pytest.raises(ReleaseError) as refused:
        release(h.ctx, request("production", outside_window=outside, reason=reason))
    assert (refused.value.message, refused.value.exit_code) == (message, ExitCode.USAGE)
    assert h.outputs_read == []


def test_bad_inputs_fail_before_any_call(release_harness: ReleaseHarness, tmp_path: Path) -> None:
    h = release_harness
    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT 1;\n")
    cases = [
        (request("staging", checks_file=bad), ReleaseError, "the last query has no `-- expect:` line"),
        (request("staging", argv=()), Exception, "no Alembic command: give how your application runs Alembic"),
        (request("dev"), ReleaseError, "`release` works on staging and production; dev is a local"),
        (request("nowhere"), NeonStackError, "the nowhere stack's settings are invalid"),
    ]
    for bad_request, kind, fragment in cases:
        with pytest.raises(kind) as failed:
            release(h.ctx, bad_request)
        assert fragment in str(failed.value)
    assert (h.outputs_read, h.runner.calls) == ([], [])


def test_an_unstored_record_is_said_and_still_returned(release_harness: ReleaseHarness) -> None:
    h = release_harness

    def unreachable(url: object, record: object) -> object:
        raise ReleaseError("cannot record the release in database workshelf: connection refused")

    h.log.write = unreachable  # type: ignore[assignment,method-assign]
    done = release(h.ctx, request("staging"))
    assert (done.record.id, done.record.outcome) == (None, "ok")
    assert (
        "warning: the release record was not stored (cannot record the release in database workshelf: connection "
        "refused); keep the JSON printed below"
    ) in h.reporter.notes
