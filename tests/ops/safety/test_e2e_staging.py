"""Every data-safety command end to end: `python -m infra ...` against the emulator server, with a
real PostgreSQL behind its databases and the staging stack deployed by the Pulumi CLI.

The tests share one world and run in file order; each says what it leaves behind. The emulator
cannot replay history (a point-in-time branch copies the parent's current data), so drills and
timestamp restores are checked for the point Neon records and for the checks run on the copy,
not for old data coming back; restores *from a backup branch* do bring old data back, for real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from infra.neon import models
from infra.ops.neon import budget
from infra.ops.times import rfc3339
from tests.support.pulumi_project import REPO, CommandRun
from tests.support.safety import SafetyWorld, python, without

pytestmark = pytest.mark.e2e

SAMPLE = REPO / "tests" / "fixtures" / "alembic_sample"
THROWAWAY = ("restore-drill/", "migration-test/", "migrate-dry-run/")


def books(world: SafetyWorld) -> int | None:
    """Rows in `books` on the staging default branch, None if there is no such table."""
    with psycopg.connect(world.outputs_cache["database_url"]) as conn:
        if conn.execute("SELECT to_regclass('books')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT count(*) FROM books").fetchone()
        return int(row[0]) if row else 0


def names(world: SafetyWorld) -> list[str]:
    return sorted(b.name for b in world.branches())


def main_branch(world: SafetyWorld) -> models.Branch:
    return next(b for b in world.branches() if b.id == world.outputs_cache["neon_branch_id"])


def no_throwaways(world: SafetyWorld) -> None:
    left = [n for n in names(world) if n.startswith(THROWAWAY)]
    assert left == [], left


def project_with(tmp_path: Path, upgrade: str, *, markers: str = "") -> Path:
    """The sample project plus a revision 0004 whose upgrade() runs `upgrade` (Python lines)."""
    project = tmp_path / "app"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    (project / "versions" / "0004_extra.py").write_text(
        f'import os, sys, time\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0004"\n'
        f'down_revision = "0003"\n{markers}\n\ndef upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n'
        '    op.execute("DROP TABLE IF EXISTS extra")\n'
    )
    return project


def alembic(project: Path = SAMPLE) -> list[str]:
    """`--cwd PROJECT -- <python> -m alembic`: how an application runs its Alembic."""
    return ["--cwd", str(project), "--", python(), "-m", "alembic"]


REVERSIBLE = 'op.execute("CREATE TABLE extra (id int)")'


# 1 -- migrate (success) -------------------------------------------------------------------------
def test_migrate__backs_up_then_applies_the_sample_migrations(safety_world: SafetyWorld) -> None:
    run = safety_world.cli("migrate", "--stack", "staging", *alembic())
    assert run.returncode == 0, run.output
    assert books(safety_world) == 3
    assert "Running upgrade 0002 -> 0003" in run.stderr
    assert run.stdout.splitlines()[0].startswith("migration on staging succeeded in ")
    assert run.stdout.splitlines()[0].endswith("s; applied: 0001, 0002, 0003")
    with psycopg.connect(safety_world.outputs_cache["database_url"]) as conn:
        logged = conn.execute("SELECT revision, outcome FROM workshelf_infra.migration_log ORDER BY id").fetchall()
    assert logged == [("0001", "ok"), ("0002", "ok"), ("0003", "ok")]
    match = re.search(r"backup branch: (backup/pre-migrate-\d{8}T\d{6}Z) \((br-[a-z0-9-]+)\)", run.stdout)
    assert match, run.stdout
    backup = next(b for b in safety_world.branches() if b.id == match[2])
    assert backup.name == match[1]
    assert backup.parent_id == safety_world.outputs_cache["neon_branch_id"]
    assert backup.expires_at is not None
    assert timedelta(days=6, hours=23) < backup.expires_at - datetime.now(UTC) <= timedelta(days=7)


# 2 -- backup-branch -----------------------------------------------------------------------------
def test_backup_branch__prints_id_and_how_to_restore(safety_world: SafetyWorld) -> None:
    run = safety_world.cli("backup-branch", "--stack", "staging", "--name", "backup/e2e", "--expires-in", "2d")
    assert run.returncode == 0, run.output
    backup = next(b for b in safety_world.branches() if b.name == "backup/e2e")
    assert run.stdout.splitlines() == [
        f"backup branch: backup/e2e ({backup.id}) of {safety_world.outputs_cache['neon_branch_id']} at "
        f"{rfc3339(backup.parent_timestamp)}; expires {rfc3339(backup.expires_at)}",  # type: ignore[arg-type]
        f"to restore the staging default branch from it: "
        f"{safety_world.launcher()} restore --stack staging --from-branch {backup.id} --yes",
    ]


# 3 -- migrate (failure) and the printed restore command -------------------------------------------
def test_failed_migration_is_undone_by_the_printed_restore_command(safety_world: SafetyWorld, tmp_path: Path) -> None:
    destructive = """
        print("migrating", os.environ["DATABASE_URL"], file=sys.stderr, flush=True)
        with op.get_context().autocommit_block():
            op.execute("DROP TABLE books")
        op.execute("SELECT half_way_failure FROM nowhere")
    """
    ack = '{"rule": "ban-drop-table", "target": "books", "reason": "e2e: a migration that fails half-way"}'
    project = project_with(tmp_path, destructive, markers=f"acknowledge = [{ack}]")
    run = safety_world.cli("migrate", "--stack", "staging", *alembic(project))
    assert run.returncode == 1, run.output
    assert books(safety_world) is None, run.output  # the failed migration did its damage
    assert re.search(r"  \| migrating postgresql://workshelf_owner[.a-z0-9-]*:\*\*\*\*@ep-", run.stderr), run.stderr
    last = run.stdout.splitlines()[-1]
    prefix = "to undo whatever the failed migration changed, run: "
    assert last.startswith(prefix + f"{safety_world.launcher()} restore --stack staging --from-branch br-")
    assert last.endswith(" --yes")

    # Pasted as printed into a fresh shell elsewhere: no virtualenv, a bare PATH.
    restore = safety_world.plain_shell(last.removeprefix(prefix), cwd=tmp_path)
    assert restore.returncode == 0, restore.output
    assert books(safety_world) == 3  # back, through the same DATABASE_URL
    main = main_branch(safety_world)
    assert main.protected
    assert main.last_reset_at is not None
    kept = re.search(r"previous state kept as (backup/pre-restore-\S+) \((br-[a-z0-9-]+)\)", restore.stdout)
    assert kept, restore.stdout
    assert kept[1] in names(safety_world)
    assert "lift the protection of main for the restore and put it back afterwards" in restore.stdout


# 4 -- migrate --dry-run-on-branch ----------------------------------------------------------------
@pytest.mark.parametrize("exit_code", [0, 5])
def test_dry_run_on_branch_leaves_the_database_and_no_branch(
    safety_world: SafetyWorld, exit_code: int, tmp_path: Path
) -> None:
    change = """
        op.execute("CREATE TABLE dry_run_only (id int)")
        if op.get_context().as_sql:  # migration-lint renders the SQL offline: nothing to count
            return
        n = op.get_bind().execute(sa.text("SELECT count(*) FROM books")).scalar()
        print("books on the branch:", n, flush=True)
        if int(os.environ["DRY_RUN_EXIT"]):
            sys.exit(int(os.environ["DRY_RUN_EXIT"]))
    """
    project = project_with(tmp_path, change)
    env = {**safety_world.env, "DRY_RUN_EXIT": str(exit_code)}
    run = safety_world.cli("migrate", "--stack", "staging", "--dry-run-on-branch", *alembic(project), env=env)
    assert run.returncode == exit_code, run.output
    assert "  | books on the branch: 3" in run.stderr  # the branch holds staging's data
    assert run.stdout.startswith("dry run on branch migrate-dry-run/")
    with psycopg.connect(safety_world.outputs_cache["database_url"]) as conn:
        assert conn.execute("SELECT to_regclass('dry_run_only')").fetchone() == (None,)
    no_throwaways(safety_world)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_dry_run_still_deletes_its_branch(safety_world: SafetyWorld, how: str, tmp_path: Path) -> None:
    project = project_with(
        tmp_path, 'if not op.get_context().as_sql:\n    print("ready", flush=True)\n    time.sleep(120)'
    )
    argv = [python(), "-m", "infra", "migrate", "--stack", "staging", "--dry-run-on-branch", *alembic(project)]
    child = subprocess.Popen(
        argv,
        cwd=safety_world.project.root,
        env=safety_world.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stderr is not None
    seen = []
    for line in child.stderr:  # wait until the migration command runs on its branch
        seen.append(line)
        if "| ready" in line:
            break
    assert any(n.startswith("migrate-dry-run/") for n in names(safety_world)), "".join(seen)
    if how == "ctrl-c":
        os.killpg(child.pid, signal.SIGINT)  # what a terminal does: the whole process group
    else:
        child.send_signal(signal.SIGTERM)  # what a cancelled CI job does: our process only
    stdout, rest = child.communicate(timeout=60)
    safety_world.runs.append(CommandRun(argv, child.returncode, stdout, "".join(seen) + rest))
    assert child.returncode != 0
    assert "==> deleting branch migrate-dry-run/" in rest
    no_throwaways(safety_world)


# 5 -- migration-test ------------------------------------------------------------------------------
def test_migration_test__round_trip_on_a_throwaway_branch(safety_world: SafetyWorld, tmp_path: Path) -> None:
    run = safety_world.cli("migration-test", "--stack", "staging", *alembic(project_with(tmp_path, REVERSIBLE)))
    assert run.returncode == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0].startswith("migration test on staging, branch migration-test/")
    assert lines[1] == "1 revision(s) tested after 0003"
    assert re.match(
        r"0004  upgrade 0004 ok \d+\.\d\ds · downgrade 0003 ok \d+\.\d\ds · upgrade 0004 ok \d+\.\d\ds$", lines[2]
    ), lines[2]
    assert lines[3] == "  round trip: revision, schema, row counts and column checksums unchanged"
    assert lines[-1] == "result: PASSED"
    assert books(safety_world) == 3  # staging itself untouched
    no_throwaways(safety_world)


def test_migration_test__failing_step_fails_and_cleans_up(safety_world: SafetyWorld, tmp_path: Path) -> None:
    project = project_with(tmp_path, 'if not op.get_context().as_sql:\n    raise RuntimeError("the upgrade breaks")')
    run = safety_world.cli("migration-test", "--stack", "staging", *alembic(project))
    assert run.returncode == 1
    assert "  FAILED step-failed: alembic upgrade 0004 exited with 1" in run.stdout
    assert "  | RuntimeError: the upgrade breaks" in run.stderr
    no_throwaways(safety_world)


# 6 -- restore-drill -------------------------------------------------------------------------------
def drill_reports(world: SafetyWorld) -> list[Path]:
    return sorted((world.project.root / "reports").glob("restore-drill-staging-*"))


def test_restore_drill__verifies_a_past_point_and_writes_reports(safety_world: SafetyWorld, tmp_path: Path) -> None:
    checks = tmp_path / "checks.sql"
    checks.write_text(
        "-- name: catalogue size\nSELECT count(*) FROM books;\n-- expect: 3\n"
        "SELECT title FROM books WHERE id = 1;\n-- expect: Dune\n"
        "-- name: schema version\nSELECT version_num FROM alembic_version;\n-- expect: 0003\n"
    )
    run = safety_world.cli("restore-drill", "--stack", "staging", "--check", str(checks))
    assert run.returncode == 0, run.output
    assert "checks: 6/6 passed" in run.stdout  # 3 built in (row counts of books, authors, alembic_version) + 3
    markdown, data = (Path(p) for p in re.findall(r"^report: (.+)$", run.stdout, re.MULTILINE))
    assert markdown.parent == safety_world.project.root / "reports"
    report = json.loads(data.read_text())
    assert report["branch_point"] == report["requested_point"]
    assert report["branch_deleted"] is True
    assert {"public.books": 3, "public.authors": 2}.items() <= {t["table"]: t["rows"] for t in report["tables"]}.items()
    assert [s["name"] for s in report["steps"]] == [
        "check the history window",
        "create the branch and its compute",
        "connect, list tables, count rows",
        "compare row counts with the source",
        "run the checks",
        "delete the drill branch",
    ]
    assert report["time_to_usable_copy_seconds"] > 0
    assert "| catalogue size | `3` | `3` | ok |" in markdown.read_text()
    assert "| rows in public.books | `2..4 (the source has 3; ±10%)` | `3` | ok |" in markdown.read_text()
    with psycopg.connect(safety_world.outputs_cache["database_url"]) as conn:  # the drill log, in staging itself
        newest = "SELECT outcome, checks_passed, checks_total, report FROM workshelf_infra.drill_log ORDER BY id DESC"
        logged = conn.execute(newest).fetchone()
    assert logged == ("passed", 6, 6, markdown.name)
    no_throwaways(safety_world)


def test_restore_drill__failing_check_fails_and_still_deletes(safety_world: SafetyWorld, tmp_path: Path) -> None:
    checks = tmp_path / "checks.sql"
    checks.write_text("SELECT count(*) FROM books;\n-- expect: >= 1000\n")
    before = len(drill_reports(safety_world))
    run = safety_world.cli("restore-drill", "--stack", "staging", "--check", str(checks))
    assert run.returncode == 9  # a failed drill
    assert "  check failed: check 1: expected >= 1000, got 3" in run.stdout
    assert len(drill_reports(safety_world)) == before + 2
    no_throwaways(safety_world)


def test_restore_drill__explicit_point_and_refusal_outside_the_window(safety_world: SafetyWorld) -> None:
    main = main_branch(safety_world)
    began = main.last_reset_at or main.created_at
    assert began is not None
    point = began + timedelta(seconds=1)
    while datetime.now(UTC) < point + timedelta(seconds=1):
        time.sleep(0.2)
    run = safety_world.cli("restore-drill", "--stack", "staging", "--at", rfc3339(point))
    assert run.returncode == 0, run.output
    assert run.stdout.startswith(f"restore drill on staging from history at {rfc3339(point)}: PASSED")

    before = len(drill_reports(safety_world))
    refused = safety_world.cli("restore-drill", "--stack", "staging", "--ago", "30d")
    assert refused.returncode == 1
    assert "error: the drill point " in refused.stderr
    assert f"is before the window starts: the history window of branch main ({main.id}) is " in refused.stderr
    assert "(UTC): history_retention_seconds=604800 (7 days)" in refused.stderr
    assert len(drill_reports(safety_world)) == before
    no_throwaways(safety_world)


# 7 -- restore to a timestamp, and recovering a deleted backup branch ---------------------------------
def test_restore__default_branch_to_a_timestamp(safety_world: SafetyWorld) -> None:
    main = main_branch(safety_world)
    began = main.last_reset_at or main.created_at
    assert began is not None
    point = began + timedelta(seconds=1)
    run = safety_world.cli("restore", "--stack", "staging", "--at", rfc3339(point), "--yes")
    assert run.returncode == 0, run.output
    after = main_branch(safety_world)
    assert after.parent_timestamp == point
    assert after.protected
    assert books(safety_world) == 3  # the emulator keeps no history: the data is today's


def test_recover_a_deleted_backup_branch_from_history(safety_world: SafetyWorld) -> None:
    time.sleep(1.1)  # a point strictly inside main's window, which began at the last restore
    made = safety_world.cli("backup-branch", "--stack", "staging", "--name", "backup/to-lose")
    assert made.returncode == 0, made.output
    lost = next(b for b in safety_world.branches() if b.name == "backup/to-lose")
    with safety_world.neon() as neon:
        neon.delete_branch(lost.project_id, lost.id)
    assert lost.parent_timestamp is not None
    run = safety_world.cli(
        "backup-branch", "--stack", "staging", "--name", "backup/to-lose", "--at", rfc3339(lost.parent_timestamp)
    )
    assert run.returncode == 0, run.output
    again = next(b for b in safety_world.branches() if b.name == "backup/to-lose")
    assert (again.parent_id, again.parent_timestamp) == (lost.parent_id, lost.parent_timestamp)


# 8 -- refusals ------------------------------------------------------------------------------------
def test_refusals__dev_stack_and_missing_api_key(safety_world: SafetyWorld) -> None:
    dev = safety_world.cli("backup-branch", "--stack", "dev")
    assert dev.returncode == 1
    assert "error: `backup-branch` works on Neon stacks (staging, production); dev is a local PostgreSQL" in dev.stderr
    keyless = safety_world.cli("restore-drill", "--stack", "staging", env=without(safety_world.env, "NEON_API_KEY"))
    assert keyless.returncode == 1
    assert "error: NEON_API_KEY is not set" in keyless.stderr


def test_refusals__protected_branch_limit(safety_world: SafetyWorld) -> None:
    first = safety_world.cli("backup-branch", "--stack", "staging", "--name", "backup/keep", "--protect")
    assert first.returncode == 0, first.output
    second = safety_world.cli("backup-branch", "--stack", "staging", "--name", "backup/keep-2", "--protect")
    assert second.returncode == 1
    assert "error: the launch plan allows 2 protected branches per project and staging already has 2" in second.stderr
    kept = next(b for b in safety_world.branches() if b.name == "backup/keep")
    with safety_world.neon() as neon:
        neon.update_branch(kept.project_id, kept.id, models.BranchUpdate(protected=False))
        neon.delete_branch(kept.project_id, kept.id)


def test_refusals__branch_limit_for_every_branching_command(safety_world: SafetyWorld, tmp_path: Path) -> None:
    pending = alembic(project_with(tmp_path, REVERSIBLE))  # something to migrate: branches are needed
    project_id = safety_world.outputs_cache["neon_project_id"]
    fillers = []
    with safety_world.neon() as neon:
        while len(neon.list_branches(project_id)) < 10:
            fillers.append(neon.create_branch(project_id, models.BranchCreate(name=f"filler-{len(fillers)}")))
        prunable = budget.prunable(neon.list_branches(project_id))
    try:
        for args in (
            ["backup-branch", "--stack", "staging"],
            ["migration-test", "--stack", "staging", *pending],
            ["restore-drill", "--stack", "staging"],
            ["migrate", "--stack", "staging", "--dry-run-on-branch", *pending],
            ["restore", "--stack", "staging", "--from-branch", "filler-0", "--yes"],
        ):
            run = safety_world.cli(*args)
            assert run.returncode == 1, run.output
            assert "error: staging has 10 of the 10 branches the launch plan allows" in run.stderr, run.stderr
            if prunable:  # backups earlier tests left behind are named, oldest first
                assert f"oldest prunable: {prunable[0].name} ({prunable[0].id}, created " in run.stderr
                assert f"prune with `{safety_world.launcher()} backups prune --stack staging`" in run.stderr
            else:
                assert "none of them is an unprotected backup/ or preview/pr- branch" in run.stderr
                assert "hint: delete branches you no longer need" in run.stderr
        migrate = safety_world.cli("migrate", "--stack", "staging", *pending)
        assert migrate.returncode == 1
        assert "so branch backup/pre-migrate-" in migrate.stderr  # no backup, no migration
    finally:
        with safety_world.neon() as neon:
            for filler in fillers:
                neon.delete_branch(project_id, filler.branch.id)
    assert len(names(safety_world)) < 10
    no_throwaways(safety_world)


# 9 -- no secret anywhere ----------------------------------------------------------------------------
def test_no_secret_in_any_output_or_report(safety_world: SafetyWorld) -> None:
    assert len(safety_world.runs) >= 20
    secrets = [s for s in safety_world.secrets() if s]
    assert len(secrets) >= 5
    outputs = [run.output for run in safety_world.runs]
    reports = [p.read_text() for p in drill_reports(safety_world)]
    for secret in secrets:
        for text in outputs + reports:
            assert secret not in text
    assert safety_world.outputs_cache["database_url"] not in "\n".join(outputs + reports)
    no_throwaways(safety_world)
