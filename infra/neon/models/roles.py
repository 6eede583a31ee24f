"""Roles, databases and connection details (the shapes that carry passwords)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, SecretStr

from infra.neon.models._base import RequestModel, ResponseModel


class Role(ResponseModel):
    """A Postgres role on a branch. `password` is only present where Neon returns it."""

    branch_id: str
    name: str
    password: SecretStr | None = None
    protected: bool | None = None
    authentication_method: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class RoleWithPassword(Role):
    """A role whose password is known: from create_role, reset_role_password or recovery."""

    password: SecretStr


class RoleCreate(RequestModel):
    name: str = Field(min_length=1, max_length=63)
    no_login: bool | None = None


class Database(ResponseModel):
    id: int
    branch_id: str
    name: str
    owner_name: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class DatabaseCreate(RequestModel):
    """The owner role must already exist on the same branch."""

    name: str = Field(min_length=1)
    owner_name: str = Field(min_length=1)


class DatabaseUpdate(RequestModel):
    """Rename a database or change its owner."""

    name: str | None = Field(default=None, min_length=1)
    owner_name: str | None = Field(default=None, min_length=1)


class ConnectionParameters(ResponseModel):
    database: str
    password: SecretStr
    role: str
    host: str
    pooler_host: str | None = None


class ConnectionDetails(ResponseModel):
    """A connection URI (with its password) and its parts."""

    connection_uri: SecretStr
    connection_parameters: ConnectionParameters
