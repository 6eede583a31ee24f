"""What the lint needs from a stack's database: its applied revision(s) and its migration log."""

from __future__ import annotations

from typing import Final

import psycopg
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.ops.migrations.contract import LogRow
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.fingerprint import current_revision
from infra.ops.migrations.log import read_log
from infra.ops.safety.pg import database_of

CONNECT_TIMEOUT_SECONDS: Final = 20


class DatabaseState(BaseModel):
    model_config = ConfigDict(frozen=True)

    applied: tuple[str, ...]  # alembic_version's rows (none: nothing applied yet)
    log: tuple[LogRow, ...]


def read_state(url: SecretStr) -> DatabaseState:
    """Read-only: `alembic_version` and `workshelf_infra.migration_log`."""
    try:
        conn = psycopg.connect(url.get_secret_value(), autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.Error as exc:
        raise MigrationError(f"cannot connect to {database_of(url)}: {str(exc).strip().splitlines()[0]}") from None
    with conn:
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        revision = current_revision(conn)
        return DatabaseState(applied=tuple(revision.split(",")) if revision else (), log=tuple(read_log(conn)))
