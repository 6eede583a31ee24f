"""Applying revisions one by one with a log row each, and reading a database's state back."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.migrations.apply import apply_pending, git_sha
from infra.ops.migrations.database import PostgresMigrationDatabase
from infra.ops.migrations.driver import Driver
from infra.ops.migrations.log import record
from infra.ops.migrations.scripts import ScriptHistory, read_revision_file
from tests.support.clock import FakeClock
from tests.support.migrations import SHELFAPP_URL_ENV, AppVenv, write_revision


def test_git_sha_prefers_the_workflow_variable(tmp_path: Path) -> None:
    assert git_sha(tmp_path, {"GITHUB_SHA": "abc123"}) == "abc123"
    assert git_sha(tmp_path, {}) is None  # not a repository


@pytest.mark.e2e
def test_each_revision_gets_its_own_entry_and_the_first_failure_stops(
    shelfapp_venv: AppVenv, shelfapp_dir: Path, scratch_db: SecretStr
) -> None:
    write_revision(shelfapp_dir, "a004", "a003", 'op.execute("ALTER TABLE nowhere ADD COLUMN x int")', "pass")
    write_revision(shelfapp_dir, "a005", "a004", "pass", "pass")
    command = AlembicCommand(
        argv=(str(shelfapp_venv.python), "-m", "alembic"), cwd=shelfapp_dir, url_env=SHELFAPP_URL_ENV
    )
    history = ScriptHistory(read_revision_file(p) for p in (shelfapp_dir / "migrations" / "versions").glob("*.py"))
    masker = Masker()
    masker.add_uri(scratch_db)
    said: list[str] = []
    driver = Driver(command, scratch_db, FakeClock(), masker, said.append, said.append)
    revisions = [f.revision for f in history.pending([])]
    entries = apply_pending(driver, revisions, sha="feedbeef", backup_branch="backup/x").entries
    assert [(e.revision, e.outcome) for e in entries] == [
        ("a001", "ok"),
        ("a002", "ok"),
        ("a003", "ok"),
        ("a004", "failed"),
    ]
    failed = entries[-1]
    assert failed.error is not None
    assert failed.error.startswith("exit 1: ")
    assert 'relation "nowhere" does not exist' in failed.error
    assert failed.command == f"{shelfapp_venv.python} -m alembic upgrade a004"
    assert {(e.git_sha, e.backup_branch, e.direction) for e in entries} == {("feedbeef", "backup/x", "up")}
    with psycopg.connect(scratch_db.get_secret_value(), autocommit=True) as conn:
        record(conn, entries)
    state = PostgresMigrationDatabase().state(scratch_db)
    assert state.applied == ("a003",)
    assert [(r.revision, r.outcome) for r in state.log] == [
        ("a001", "ok"),
        ("a002", "ok"),
        ("a003", "ok"),
        ("a004", "failed"),
    ]
    assert scratch_db.get_secret_value() not in "\n".join(said)
