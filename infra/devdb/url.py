"""The DATABASE_URL: `postgresql://user:password@host:port/db`, built (every part quoted) and parsed here only."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from infra.config import DevSettings
from infra.localpg.ports import LOOPBACK
from infra.masking import MASK

__all__ = ["LOOPBACK", "DatabaseUrl", "dev_url"]

_SCHEMES = ("postgresql", "postgres")


class DatabaseUrl(BaseModel):
    """A DATABASE_URL's parts; `str()` and `repr()` show the password masked."""

    model_config = ConfigDict(frozen=True)

    user: str
    password: SecretStr
    port: int
    database: str
    host: str = LOOPBACK

    def render(self) -> str:
        """The real URL, password included: for the .env file only, never for display."""
        return self._render(quote(self.password.get_secret_value(), safe=""))

    def masked(self) -> str:
        return self._render(MASK)

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"DatabaseUrl({self.masked()!r})"

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        """Read back a URL we (or a developer) wrote; raises ValueError without echoing the URL."""
        parts = urlsplit(url)
        if parts.scheme not in _SCHEMES:
            raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r})")
        try:
            port = parts.port or 5432
        except ValueError:
            raise ValueError("the URL's port is not a number") from None
        if not parts.username or parts.password is None or not parts.hostname:
            raise ValueError("the URL needs a user, a password and a host")
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ValueError("the URL names no database")
        return cls(
            user=unquote(parts.username),
            password=SecretStr(unquote(parts.password)),
            port=port,
            database=database,
            host=parts.hostname,
        )

    def _render(self, password_text: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (
            f"postgresql://{quote(self.user, safe='')}:{password_text}@{host}:{self.port}/"
            f"{quote(self.database, safe='')}"
        )


def dev_url(dev: DevSettings, password: str) -> DatabaseUrl:
    """The dev database's URL: its role and password, on the loopback port, its database."""
    return DatabaseUrl(user=dev.role, password=SecretStr(password), port=dev.port, database=dev.database)
