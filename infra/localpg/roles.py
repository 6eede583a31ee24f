"""Idempotent role and database reconciliation over an admin connection.

Passwords reach the server only as SCRAM verifiers computed by libpq, so a plaintext password can never
show up in the server log (which `log_tail` prints), e.g. when a statement fails and is logged.
"""

from __future__ import annotations

from enum import StrEnum

import psycopg
from psycopg import sql
from pydantic import BaseModel, ConfigDict, SecretStr

from infra.localpg._scram import verifier_matches
from infra.localpg.errors import SqlError

__all__ = ["AdminLogin", "Change", "check_identifier", "connect_admin", "ensure_database", "ensure_role"]

_MAX_IDENTIFIER_BYTES = 63
_CONNECT_TIMEOUT_S = 10


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class AdminLogin(BaseModel):
    """The cluster superuser's login (the password stays a SecretStr in reprs and logs)."""

    model_config = ConfigDict(frozen=True)

    user: str
    password: SecretStr


def connect_admin(port: int, admin: AdminLogin, *, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(
            host="127.0.0.1",
            port=port,
            user=admin.user,
            password=admin.password.get_secret_value(),
            dbname=dbname,
            connect_timeout=_CONNECT_TIMEOUT_S,
            autocommit=True,
        )
    except psycopg.Error as exc:
        raise SqlError(
            f"Cannot connect to the dev cluster on 127.0.0.1:{port} as {admin.user}: {_first_line(exc)}. "
            "Is it running, and is the superuser password the one given to init?"
        ) from None


def ensure_role(
    conn: psycopg.Connection[tuple[object, ...]], name: str, password: str, *, createdb: bool = False
) -> Change:
    """Make `name` a LOGIN role with this password (and CREATEDB or not); never a superuser."""
    check_identifier("role", name)
    if name.startswith("pg_"):
        raise SqlError(f"Role names starting with pg_ are reserved by PostgreSQL: {name!r}")
    try:
        row = conn.execute(
            "SELECT rolsuper, rolcanlogin, rolcreatedb, rolpassword FROM pg_authid WHERE rolname = %s",
            (name,),
        ).fetchone()
        if row is not None and row[0]:
            raise SqlError(f"Role {name!r} is a superuser; use a separate application role.")
        if row is not None and row[1] is True and row[2] is createdb and verifier_matches(_str(row[3]), password):
            return Change.UNCHANGED
        verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
        verb = "CREATE ROLE {} WITH LOGIN {} PASSWORD {}" if row is None else "ALTER ROLE {} WITH LOGIN {} PASSWORD {}"
        conn.execute(
            sql.SQL(verb).format(
                sql.Identifier(name), sql.SQL("CREATEDB" if createdb else "NOCREATEDB"), sql.Literal(verifier)
            )
        )
    except psycopg.Error as exc:
        raise SqlError(f"Could not create or update role {name!r}: {_first_line(exc)}") from None
    return Change.CREATED if row is None else Change.UPDATED


def ensure_database(conn: psycopg.Connection[tuple[object, ...]], name: str, owner: str) -> Change:
    """Make database `name` exist and be owned by `owner` (which must exist)."""
    check_identifier("database", name)
    try:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)).fetchone() is None:
            raise SqlError(f"Role {owner!r} does not exist; ensure_role it before giving it a database.")
        row = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if row is None:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
            return Change.CREATED
        if row[0] == owner:
            return Change.UNCHANGED
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner)))
    except psycopg.Error as exc:
        raise SqlError(f"Could not create or update database {name!r}: {_first_line(exc)}") from None
    return Change.UPDATED


def check_identifier(kind: str, name: str) -> None:
    """Reject names PostgreSQL cannot hold (quoting handles every other character)."""
    if not name or "\0" in name or len(name.encode()) > _MAX_IDENTIFIER_BYTES:
        raise SqlError(f"Invalid {kind} name {name!r}: 1 to {_MAX_IDENTIFIER_BYTES} bytes, no NUL.")


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
