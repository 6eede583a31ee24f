"""Neon's rules for the names a stack file (or a command) gives: branches, databases and roles.

Sources: Neon's OpenAPI definition (a branch name is 1 to 256 characters; a role name at most 63
bytes), PostgreSQL (identifiers are at most 63 bytes and hold no NUL; role names starting with `pg_`
are reserved), and what Neon answers to names holding control characters or `.`/`..` path segments
(it refuses them). Each check raises ValueError with what is allowed; pydantic and the CLI's parameter
types turn that into one line naming the key or option.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator

MAX_BRANCH_NAME: Final = 256
MAX_PG_NAME_BYTES: Final = 63
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def check_branch_name(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if len(value) > MAX_BRANCH_NAME:
        raise ValueError(f"is {len(value)} characters; Neon allows at most {MAX_BRANCH_NAME}")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (NUL, newline, tab, ...)")
    if any(segment in (".", "..") for segment in value.split("/")):
        raise ValueError("must not contain `.` or `..` path segments")
    return value


def check_identifier(value: str) -> str:
    """This project's database and role names: lower-case PostgreSQL identifiers Neon accepts unquoted."""
    if not _IDENTIFIER.match(value) or len(value.encode()) > MAX_PG_NAME_BYTES:
        raise ValueError(
            f"must be a lower-case PostgreSQL identifier: [a-z_][a-z0-9_]*, at most {MAX_PG_NAME_BYTES} characters"
        )
    return value


def check_role_name(value: str) -> str:
    check_identifier(value)
    if value.startswith("pg_"):
        raise ValueError("role names starting with `pg_` are reserved by PostgreSQL")
    return value


BranchName = Annotated[str, AfterValidator(check_branch_name)]
Identifier = Annotated[str, AfterValidator(check_identifier)]
RoleName = Annotated[str, AfterValidator(check_role_name)]
