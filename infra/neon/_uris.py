"""Connection details rebuilt for an adopted project or branch whose create answer was lost."""

from __future__ import annotations

import urllib.parse

from pydantic import SecretStr

from infra.neon.models.roles import ConnectionDetails, ConnectionParameters


def pooler_host(host: str) -> str:
    """Neon's pooled host: the endpoint label with `-pooler` (ep-x.region.neon.tech -> ep-x-pooler...)."""
    label, _, rest = host.partition(".")
    return f"{label}-pooler.{rest}" if rest else f"{label}-pooler"


def from_uris(direct: SecretStr, pooled: SecretStr, *, database: str, role: str) -> ConnectionDetails:
    """Details from the two URIs getConnectionURI returns (direct and pooled)."""
    parts = urllib.parse.urlsplit(direct.get_secret_value())
    params = ConnectionParameters(
        database=database,
        role=role,
        password=SecretStr(urllib.parse.unquote(parts.password or "")),
        host=parts.hostname or "",
        pooler_host=urllib.parse.urlsplit(pooled.get_secret_value()).hostname,
    )
    return ConnectionDetails(connection_uri=direct, connection_parameters=params)


def compose(host: str, *, database: str, role: str, password: SecretStr) -> ConnectionDetails:
    """Details in Neon's URI format, for projects that do not store passwords (no getConnectionURI)."""
    quote = urllib.parse.quote
    uri = f"postgresql://{quote(role, safe='')}:{quote(password.get_secret_value(), safe='')}@{host}/"
    uri += f"{quote(database, safe='')}?sslmode=require"
    params = ConnectionParameters(
        database=database, role=role, password=password, host=host, pooler_host=pooler_host(host)
    )
    return ConnectionDetails(connection_uri=SecretStr(uri), connection_parameters=params)
