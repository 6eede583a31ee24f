"""Test doubles for the safety workflows: a scripted command runner and scripted database tools."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from infra.ops.safety.drill_log import DrillLogEntry
from infra.ops.safety.pg import QueryValue, TableCount, with_database


@dataclass
class Call:
    argv: list[str]
    env: dict[str, str]


@dataclass
class FakeRunner:
    """Returns scripted exit codes; `script` may emit lines (e.g. the DATABASE_URL it was given)."""

    codes: list[int] = field(default_factory=lambda: [0])
    script: Callable[[Sequence[str], Mapping[str, str], Callable[[str], None]], None] | None = None
    calls: list[Call] = field(default_factory=list)
    interrupt_on_call: int | None = None

    def __call__(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None, emit: Callable[[str], None]
    ) -> int:
        self.calls.append(Call(list(argv), dict(env)))
        if self.interrupt_on_call == len(self.calls):
            raise KeyboardInterrupt
        if self.script is not None:
            self.script(argv, env, emit)
        return self.codes[min(len(self.calls) - 1, len(self.codes) - 1)]


@dataclass
class FakeDatabase:
    """DatabaseTools with scripted answers; records the URLs it was asked about."""

    schemas: list[list[str]] = field(default_factory=lambda: [["table public.books"]])
    revisions: list[str | None] = field(default_factory=lambda: ["0003", "0002", "0003"])
    tables: list[TableCount] = field(default_factory=lambda: [TableCount(table="public.books", rows=3)])
    values: list[QueryValue] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    scratch: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    fail_with: Exception | None = None
    tables_for: dict[str, list[TableCount]] = field(default_factory=dict)  # by URL; else `tables`
    drills: list[DrillLogEntry] = field(default_factory=list)
    record_fails_with: Exception | None = None

    def _seen(self, url: SecretStr) -> None:
        self.urls.append(url.get_secret_value())
        if self.fail_with is not None:
            raise self.fail_with

    def schema(self, url: SecretStr) -> list[str]:
        self._seen(url)
        return self.schemas.pop(0) if len(self.schemas) > 1 else self.schemas[0]

    def revision(self, url: SecretStr) -> str | None:
        self._seen(url)
        return self.revisions.pop(0) if len(self.revisions) > 1 else self.revisions[0]

    def table_counts(self, url: SecretStr) -> list[TableCount]:
        self._seen(url)
        return self.tables_for.get(url.get_secret_value(), self.tables)

    def record_drill(self, url: SecretStr, entry: DrillLogEntry) -> None:
        self.urls.append(url.get_secret_value())
        if self.record_fails_with is not None:
            raise self.record_fails_with
        self.drills.append(entry)

    def query_values(self, url: SecretStr, queries: Sequence[str]) -> list[QueryValue]:
        self._seen(url)
        return self.values[: len(queries)]

    @contextmanager
    def scratch_database(self, url: SecretStr, prefix: str) -> Iterator[SecretStr]:
        name = f"{prefix}_0123abcd"
        self.scratch.append(name)
        try:
            yield with_database(url, name)
        finally:
            self.dropped.append(name)
