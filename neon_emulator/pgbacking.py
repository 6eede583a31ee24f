"""Back the emulator's databases and roles with a real PostgreSQL server, so connection URIs connect.

One server serves every branch, so each (branch, database) and (branch, role) gets a physical name
`<name>.<branch-id>` (shortened with a hash when it would exceed PostgreSQL's 63 bytes); connection
URIs carry those physical names, Neon's endpoint host, the server's real port and
`hostaddr=127.0.0.1&sslmode=disable` so libpq reaches the loopback server. A branch copies its
parent's databases with `CREATE DATABASE … TEMPLATE` (which needs no open connection to the parent),
falling back to `pg_dump | psql`; `schema-only` branches always dump the schema only. Copied objects
are then re-owned by the branch's own roles.

Known limits: a plain server keeps no history, so a point-in-time branch or restore copies the
parent's *current* data; privileges granted to non-owner roles are not remapped onto the copy's
roles; suspending an endpoint does not stop anything. The admin DSN must name a superuser.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from neon_emulator.errors import BackingError

MAX_IDENTIFIER_BYTES = 63


def _find_bin_dir() -> Path | None:
    found = shutil.which("pg_dump")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    return Path(candidates[-1]) if candidates else None


class PostgresBacking:
    """Creates, renames, copies and drops real databases and login roles for the emulator."""

    def __init__(self, admin_dsn: str, *, host_address: str = "127.0.0.1", bin_dir: str | None = None) -> None:
        params = conninfo_to_dict(admin_dsn)
        self._admin_dsn = admin_dsn
        self._password = str(params.pop("password", "") or "")
        # Without the password, safe to hand to pg_dump/psql on their command line.
        self._dsn_no_password = make_conninfo("", **{k: str(v) for k, v in params.items()})
        self.port = int(str(params.get("port") or 5432))
        self.host_address = host_address
        self._bin_dir = Path(bin_dir) if bin_dir else _find_bin_dir()
        self._databases: set[str] = set()
        self._roles: set[str] = set()

    def __repr__(self) -> str:
        return f"PostgresBacking(port={self.port}, host_address={self.host_address!r})"

    @staticmethod
    def physical_name(name: str, branch_id: str) -> str:
        candidate = f"{name}.{branch_id}"
        if len(candidate.encode()) <= MAX_IDENTIFIER_BYTES:
            return candidate
        digest = hashlib.sha256(name.encode()).hexdigest()[:6]
        budget = MAX_IDENTIFIER_BYTES - len(branch_id.encode()) - len(digest) - 2
        short = name.encode()[:budget].decode(errors="ignore")
        return f"{short}~{digest}.{branch_id}"

    # -- plumbing ----------------------------------------------------------------------------------

    def _execute(self, action: str, *statements: sql.Composed, dbname: str | None = None) -> None:
        conninfo = make_conninfo(self._admin_dsn, dbname=dbname) if dbname else self._admin_dsn
        try:
            with psycopg.connect(conninfo, autocommit=dbname is None) as conn:
                for statement in statements:
                    conn.execute(statement)
        except psycopg.Error as exc:
            raise BackingError(f"PostgreSQL refused to {action}: {_describe(exc)}") from None

    def _terminate(self, physical_db: str) -> sql.Composed:
        return sql.SQL(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {} AND pid <> pg_backend_pid()"
        ).format(sql.Literal(physical_db))

    # -- roles -------------------------------------------------------------------------------------

    def create_role(self, branch_id: str, name: str, password: str | None) -> None:
        role = self.physical_name(name, branch_id)
        statement = (
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
            if password is not None
            else sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role))
        )
        self._execute(f"create role {role}", statement)
        self._roles.add(role)

    def set_password(self, branch_id: str, name: str, password: str) -> None:
        role = self.physical_name(name, branch_id)
        self._execute(
            f"set the password of {role}",
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)),
        )

    def drop_role(self, branch_id: str, name: str, databases: Sequence[str]) -> None:
        """Hand the role's objects in each branch database to that database's owner, then drop it."""
        physical = self.physical_name(name, branch_id)
        role = sql.Identifier(physical)
        try:
            for database in databases:
                with psycopg.connect(self._admin_dsn, dbname=self.physical_name(database, branch_id)) as conn:
                    row = conn.execute(
                        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
                    ).fetchone()
                    if row is not None and row[0] != physical:
                        conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(role, sql.Identifier(row[0])))
                    conn.execute(sql.SQL("DROP OWNED BY {}").format(role))
        except psycopg.Error as exc:
            raise BackingError(f"PostgreSQL refused to release objects of {physical}: {_describe(exc)}") from None
        self._execute(f"drop role {physical}", sql.SQL("DROP ROLE IF EXISTS {}").format(role))
        self._roles.discard(physical)

    # -- databases ---------------------------------------------------------------------------------

    def create_database(self, branch_id: str, name: str, owner: str) -> None:
        database = self.physical_name(name, branch_id)
        self._execute(
            f"create database {database}",
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(database), sql.Identifier(self.physical_name(owner, branch_id))
            ),
        )
        self._databases.add(database)

    def rename_database(self, branch_id: str, old: str, new: str) -> None:
        source, target = self.physical_name(old, branch_id), self.physical_name(new, branch_id)
        self._execute(
            f"rename database {source}",
            self._terminate(source),
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(source), sql.Identifier(target)),
        )
        self._databases.discard(source)
        self._databases.add(target)

    def set_database_owner(self, branch_id: str, name: str, owner: str) -> None:
        self._execute(
            "change a database owner",
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(self.physical_name(name, branch_id)),
                sql.Identifier(self.physical_name(owner, branch_id)),
            ),
        )

    def drop_database(self, branch_id: str, name: str) -> None:
        database = self.physical_name(name, branch_id)
        self._execute(
            f"drop database {database}",
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)),
        )
        self._databases.discard(database)

    def drop_branch(self, branch_id: str, databases: Sequence[str], roles: Sequence[str]) -> None:
        for database in databases:
            self.drop_database(branch_id, database)
        for role in roles:
            physical = self.physical_name(role, branch_id)
            self._execute("drop a role", sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(physical)))
            self._roles.discard(physical)

    def reset(self) -> None:
        """Drop everything this backing created (databases first: roles may own objects in them)."""
        for database in sorted(self._databases):
            self._execute(
                "drop a database",
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)),
            )
        for role in sorted(self._roles):
            self._execute("drop a role", sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        self._databases.clear()
        self._roles.clear()

    # -- branching ---------------------------------------------------------------------------------

    def copy_databases(
        self,
        source_branch_id: str,
        target_branch_id: str,
        databases: Sequence[tuple[str, str]],
        roles: Sequence[str],
        *,
        schema_only: bool = False,
    ) -> None:
        """Copy `(name, owner)` databases from one branch to another whose `roles` already exist."""
        for name, owner in databases:
            source = self.physical_name(name, source_branch_id)
            target = self.physical_name(name, target_branch_id)
            target_owner = self.physical_name(owner, target_branch_id)
            if schema_only or not self._clone_with_template(source, target, target_owner):
                self._execute(
                    f"create database {target}",
                    sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                        sql.Identifier(target), sql.Identifier(target_owner)
                    ),
                )
                self._databases.add(target)
                self._dump_restore(source, target, schema_only=schema_only)
            self._reown(target, source_branch_id, target_branch_id, roles)

    def _clone_with_template(self, source: str, target: str, owner: str) -> bool:
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
            sql.Identifier(target), sql.Identifier(source), sql.Identifier(owner)
        )
        try:
            with psycopg.connect(self._admin_dsn, autocommit=True) as conn:
                # PostgreSQL waits 5 s before refusing a template in use: check first, skip the wait.
                busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (source,)).fetchone()
                if busy is not None and busy[0] > 0:
                    return False
                conn.execute(statement)
        except pg_errors.ObjectInUse:
            return False  # someone is connected to the parent: fall back to pg_dump
        except psycopg.Error as exc:
            raise BackingError(f"PostgreSQL refused to copy database {source}: {_describe(exc)}") from None
        self._databases.add(target)
        return True

    def _dump_restore(self, source: str, target: str, *, schema_only: bool) -> None:
        if self._bin_dir is None:
            raise BackingError("pg_dump/psql not found: set PostgresBacking(bin_dir=...)")
        env = {**os.environ, "PGPASSWORD": self._password}
        dump_args = [str(self._bin_dir / "pg_dump"), "--no-password", f"--dbname={self._dsn(source)}"]
        if schema_only:
            dump_args.append("--schema-only")
        restore_args = [
            str(self._bin_dir / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            f"--dbname={self._dsn(target)}",
        ]
        with subprocess.Popen(dump_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as dump:
            restore = subprocess.run(restore_args, stdin=dump.stdout, capture_output=True, env=env, check=False)
            _, dump_err = dump.communicate()
        if dump.returncode != 0 or restore.returncode != 0:
            detail = (dump_err or restore.stderr).decode(errors="replace").strip().splitlines()[-1:]
            raise BackingError(f"copying {source} with pg_dump failed: {' '.join(detail)}")

    def _dsn(self, dbname: str) -> str:
        return make_conninfo(self._dsn_no_password, dbname=dbname)

    def _reown(self, target: str, source_branch: str, target_branch: str, roles: Sequence[str]) -> None:
        """Give the copy's objects to the target branch's roles.

        `REASSIGN OWNED` also moves shared objects, i.e. the *parent's* databases; their owners are
        put back in the same transaction, so nobody ever sees the parent change hands.
        """
        pairs = [(self.physical_name(r, source_branch), self.physical_name(r, target_branch)) for r in roles]
        try:
            with psycopg.connect(self._admin_dsn, dbname=target) as conn:
                for old, new in pairs:
                    owned = conn.execute(
                        "SELECT datname FROM pg_database WHERE datdba = "
                        "(SELECT oid FROM pg_roles WHERE rolname = %s) AND datname <> %s",
                        (old, target),
                    ).fetchall()
                    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (old,)).fetchone() is None:
                        continue
                    conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(old), sql.Identifier(new)))
                    for (datname,) in owned:
                        conn.execute(
                            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                                sql.Identifier(datname), sql.Identifier(old)
                            )
                        )
        except psycopg.Error as exc:
            raise BackingError(f"PostgreSQL refused to re-own {target}: {_describe(exc)}") from None


def _describe(exc: psycopg.Error) -> str:
    """The server's primary message only: never the statement, which may hold a password."""
    primary = exc.diag.message_primary if exc.diag else None
    return primary or type(exc).__name__
