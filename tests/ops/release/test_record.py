"""`workshelf_infra.release_log` on a real PostgreSQL: created on first write (idempotent), read newest
first with an outcome filter and a limit, no table read as no releases, errors as one line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from infra.ops.release.record import PostgresReleaseLog, ReleaseRecord
from infra.ops.safety.checks import CheckOutcome
from infra.ops.safety.errors import SafetyError
from tests.support.postgres import PgClusterHandle

pytestmark = pytest.mark.e2e


@pytest.fixture
def database(pg_cluster: PgClusterHandle) -> Iterator[SecretStr]:
    name = "release_log_test"
    with psycopg.connect(pg_cluster.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield SecretStr(pg_cluster.dsn(user=pg_cluster.superuser, password=pg_cluster.password, database=name))
    with psycopg.connect(pg_cluster.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def record(n: int, outcome: str) -> ReleaseRecord:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n)
    return ReleaseRecord.model_validate(
        {
            "stack": "staging",
            "started_at": start,
            "finished_at": start + timedelta(minutes=2),
            "outcome": outcome,
            "revision_before": f"000{n - 1}" if n > 1 else None,
            "revision_after": f"000{n}",
            "git_sha": "abc123",
            "command": "alembic upgrade head",
            "migration_exit_code": 0,
            "backup_branch_id": f"br-backup-{n}",
            "backup_branch_name": f"backup/pre-release-{n}",
            "backup_expires_at": start + timedelta(days=7),
            "checks_passed": 1 if outcome == "ok" else 0,
            "checks_total": 1,
            "checks": [CheckOutcome(name="n", query="SELECT 1", expected="1", actual="1", ok=outcome == "ok")],
            "outside_window": n == 3,
            "override_reason": "hotfix for the outage" if n == 3 else None,
            "restore_command": f"workshelf-infra restore --stack staging --from-branch br-backup-{n} --yes",
        }
    )


def test_write_read_filter_limit(database: SecretStr) -> None:
    log = PostgresReleaseLog()
    assert log.read(database, limit=5) == []  # no table yet
    stored = [log.write(database, record(n, outcome)) for n, outcome in ((1, "ok"), (2, "checks_failed"), (3, "ok"))]
    assert [r.id for r in stored] == [1, 2, 3]
    assert log.read(database, limit=5) == list(reversed(stored))
    assert log.read(database, limit=5, outcome="ok") == [stored[2], stored[0]]
    assert log.read(database, limit=1) == [stored[2]]
    assert stored[2].checks[0].ok is True
    assert stored[2].override_reason == "hotfix for the outage"


def test_errors_name_the_database_not_the_url(pg_cluster: PgClusterHandle) -> None:
    url = SecretStr(pg_cluster.dsn(user="nobody", password="wrong-pass-123", database="missing_db"))
    with pytest.raises(SafetyError) as failed:  # PostgresTools.connect's error: the database, never the URL
        PostgresReleaseLog().read(url, limit=1)
    assert failed.value.message.startswith("cannot connect to missing_db: ")
    assert "wrong-pass-123" not in str(failed.value)
