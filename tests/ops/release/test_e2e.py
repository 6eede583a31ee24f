"""Releases end to end: `python -m infra release ...` against the emulator server with real PostgreSQL
behind it, staging and production deployed by the Pulumi CLI, the sample Alembic project as the
application's migrations. Production is refused before staging and outside its window; a release
whose checks fail exits 9 and the restore command it prints brings the data back; production follows
staging at the same revision. Tests run in file order."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra.config.release import DAYS
from tests.support.pulumi_project import REPO
from tests.support.release import ReleaseWorld
from tests.support.safety import python

pytestmark = pytest.mark.e2e

SAMPLE = REPO / "tests" / "fixtures" / "alembic_sample"
ALEMBIC = (python(), "-m", "alembic")
UPGRADE = ("--cwd", str(SAMPLE), "--", *ALEMBIC)
CHECKS = "-- name: the catalogue survived\nSELECT count(*) FROM books;\n-- expect: >= 3\n"
ALWAYS = "daily 00:00-24:00 UTC"


def never_now() -> str:
    """A window on the day after tomorrow only (UTC): outside it now, even if midnight passes meanwhile."""
    return f"{DAYS[(datetime.now(UTC).weekday() + 2) % 7].title()} 00:00-24:00 UTC"


def checks(tmp_path: Path) -> str:
    path = tmp_path / "checks.sql"
    path.write_text(CHECKS)
    return str(path)


def books(world: ReleaseWorld, stack: str) -> int:
    return int(str(world.query(world.url(stack), "SELECT count(*) FROM books")[0][0]))


def release_rows(world: ReleaseWorld, stack: str) -> list[tuple[object, ...]]:
    return world.query(
        world.url(stack), "SELECT id, outcome, revision_after FROM workshelf_infra.release_log ORDER BY id"
    )


def test_1_production_before_staging_is_refused(release_world: ReleaseWorld) -> None:
    world = release_world
    world.set_window(ALWAYS)
    branches = sorted(b.name for b in world.branches_of("production"))
    run = world.cli("release", "--stack", "production", *UPGRADE)
    assert run.returncode == 8, run.output
    assert "error: production is released after staging, and staging has no successful release record" in run.stderr
    again = f"{world.launcher()} release --stack staging {shlex.join(UPGRADE)}"
    assert f"hint: release to staging first: {again}" in run.stderr
    assert run.stdout == ""
    assert sorted(b.name for b in world.branches_of("production")) == branches  # no backup, no rehearsal
    assert world.query(world.url("production"), "SELECT to_regclass('books')") == [(None,)]


def test_2_production_outside_the_window_is_refused_before_any_api_call(release_world: ReleaseWorld) -> None:
    world = release_world
    window = never_now()
    world.set_window(window)
    before = world.request_total()
    run = world.cli("release", "--stack", "production", *UPGRADE)
    assert run.returncode == 8, run.output
    assert run.stderr.startswith(
        f"error: production releases run in the window {window} (workshelf-infra:release.window)"
    )
    assert (
        "--outside-window --reason '<why now>' (at least 10 characters; recorded in the release record)" in run.stderr
    )
    assert world.request_total() == before


def test_3_staging_release__backup_migration_checks_record(release_world: ReleaseWorld, tmp_path: Path) -> None:
    world = release_world
    run = world.cli("release", "--stack", "staging", "--checks", checks(tmp_path), *UPGRADE)
    assert run.returncode == 0, run.output
    record = json.loads(run.stdout)
    assert (record["outcome"], record["revision_before"], record["revision_after"]) == ("ok", None, "0003")
    assert (record["checks_passed"], record["checks_total"], record["outside_window"]) == (1, 1, False)
    assert record["command"] == shlex.join(ALEMBIC)
    assert re.fullmatch(r"backup/pre-release-\d{8}T\d{6}Z", record["backup_branch_name"])
    backup = next(b for b in world.branches_of("staging") if b.id == record["backup_branch_id"])
    assert backup.expires_at is not None
    assert timedelta(days=6, hours=23) < backup.expires_at - datetime.now(UTC) <= timedelta(days=7)
    assert "Running upgrade 0002 -> 0003" in run.stderr
    assert books(world, "staging") == 3
    assert release_rows(world, "staging") == [(record["id"], "ok", "0003")]


def test_4_failing_checks_exit_9_and_the_printed_restore_command_brings_the_data_back(
    release_world: ReleaseWorld, tmp_path: Path
) -> None:
    world = release_world
    damaging = tmp_path / "app"  # the sample project and a revision 0004 that loses the catalogue
    shutil.copytree(SAMPLE, damaging, ignore=shutil.ignore_patterns("__pycache__"))
    (damaging / "versions" / "0004_oops.py").write_text(
        'from alembic import op\n\nrevision = "0004"\ndown_revision = "0003"\n\n\n'
        'def upgrade() -> None:\n    op.execute("DELETE FROM books WHERE id <= 3")\n\n\n'
        "def downgrade() -> None:\n    pass\n"
    )
    run = world.cli(
        "release", "--stack", "staging", "--checks", checks(tmp_path), "--cwd", str(damaging), "--", *ALEMBIC
    )
    assert run.returncode == 9, run.output
    record = json.loads(run.stdout)
    assert (record["outcome"], record["checks_passed"], record["checks_total"]) == ("checks_failed", 0, 1)
    assert (record["revision_before"], record["revision_after"]) == ("0003", "0004")
    assert books(world, "staging") == 0
    assert (
        "error: release on staging: 1 of 1 check(s) failed after the migration: the catalogue survived: "
        "expected >= 3, got 0"
    ) in run.stderr
    prefix = "  hint: to bring back the data from before the release, run: "
    [hint] = [line for line in run.stderr.splitlines() if line.startswith(prefix)]
    command = hint.removeprefix(prefix)
    assert command == record["restore_command"]
    assert command.startswith(f"{world.launcher()} restore --stack staging --from-branch br-")
    assert command.endswith(" --yes")

    restore = world.plain_shell(command, cwd=tmp_path)  # pasted as printed into a fresh shell elsewhere
    assert restore.returncode == 0, restore.output
    assert books(world, "staging") == 3
    # The restored database holds the records it had then: the failed release's row left with the data
    # (it is in the JSON printed above, and in the backup/pre-restore-… branch the restore kept).
    assert [row[1:] for row in release_rows(world, "staging")] == [("ok", "0003")]


def test_5_production_follows_staging_at_the_same_revision__outside_the_window_with_a_reason(
    release_world: ReleaseWorld, tmp_path: Path
) -> None:
    world = release_world
    world.set_window(never_now())
    reason = "e2e: proves the override is recorded"
    run = world.cli(
        "release",
        "--stack",
        "production",
        "--checks",
        checks(tmp_path),
        "--outside-window",
        "--reason",
        reason,
        *UPGRADE,
    )
    assert run.returncode == 0, run.output
    record = json.loads(run.stdout)
    assert (record["stack"], record["outcome"], record["revision_after"]) == ("production", "ok", "0003")
    assert (record["outside_window"], record["override_reason"]) == (True, reason)
    assert re.search(r"staging first: staging reached revision 0003 at \S+ \(release \d+, git ", run.stderr)
    assert books(world, "production") == 3
    assert not [b.name for b in world.branches_of("production") if b.name.startswith("migrate-dry-run/")]
    assert release_rows(world, "production") == [(record["id"], "ok", "0003")]


def test_6_release_status(release_world: ReleaseWorld) -> None:
    run = release_world.cli("release", "status", "-o", "json")
    assert run.returncode == 0, run.output
    stacks = json.loads(run.stdout)["stacks"]
    assert [(s["stack"], [r["outcome"] for r in s["releases"]], s["error"]) for s in stacks] == [
        ("staging", ["ok"], None),
        ("production", ["ok"], None),
    ]
    text = release_world.cli("release", "status", "--stack", "production")
    lines = text.stdout.splitlines()
    assert lines[0] == "production:"
    assert re.match(r"  #\d+ \S+ ok: \(none\) -> 0003, checks 1/1, git \S+, backup backup/pre-release-", lines[1])
    assert lines[1].endswith("; outside the window: e2e: proves the override is recorded")


def test_7_no_secret_in_any_output(release_world: ReleaseWorld) -> None:
    assert release_world.leaked() == []
