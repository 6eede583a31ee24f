"""workshelf_infra.migration_log on a real PostgreSQL: created on first use, appended, read back."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from pydantic import SecretStr

from infra.ops.migrations.contract import LogRow
from infra.ops.migrations.log import LogEntry, ensure_log, read_log, record

pytestmark = pytest.mark.e2e
T1 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
T2 = datetime(2026, 5, 20, 18, 0, tzinfo=UTC)


def test_a_database_never_migrated_by_us_has_an_empty_log(scratch_db: SecretStr) -> None:
    with psycopg.connect(scratch_db.get_secret_value(), autocommit=True) as conn:
        assert read_log(conn) == []


def test_entries_are_recorded_and_read_back_in_order(scratch_db: SecretStr) -> None:
    entries = [
        LogEntry(
            revision="a003",
            direction="up",
            applied_at=T2,
            duration_ms=40,
            outcome="failed",
            command="alembic upgrade a003",
            error="relation books does not exist",
        ),
        LogEntry(
            revision="a002",
            direction="up",
            applied_at=T1,
            duration_ms=1200,
            outcome="ok",
            command="alembic upgrade a002",
            git_sha="0123abc",
            backup_branch="backup/pre-migrate-20260501T093000Z",
        ),
    ]
    with psycopg.connect(scratch_db.get_secret_value(), autocommit=True) as conn:
        record(conn, entries)
        ensure_log(conn)  # idempotent
        assert read_log(conn) == [
            LogRow(revision="a002", direction="up", applied_at=T1, outcome="ok"),
            LogRow(revision="a003", direction="up", applied_at=T2, outcome="failed"),
        ]
        row = conn.execute(
            "SELECT git_sha, backup_branch, command, recorded_by, duration_ms FROM workshelf_infra.migration_log "
            "WHERE revision = 'a002'"
        ).fetchone()
    assert row == (
        "0123abc",
        "backup/pre-migrate-20260501T093000Z",
        "alembic upgrade a002",
        "workshelf-infra migrate",
        1200,
    )


def test_the_table_refuses_nonsense(scratch_db: SecretStr) -> None:
    with psycopg.connect(scratch_db.get_secret_value(), autocommit=True) as conn:
        ensure_log(conn)
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "INSERT INTO workshelf_infra.migration_log (revision, direction, applied_at, duration_ms, outcome, "
                "command, recorded_by) VALUES ('r', 'sideways', now(), 0, 'ok', 'c', 'me')"
            )
