"""The application's Alembic driven against one database: a subcommand run, its output relayed
(masked), timed, and the line that says why it failed kept (for the migration log)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pydantic import SecretStr

from infra.masking import Masker
from infra.ops.migrations.alembic import AlembicCommand
from infra.ops.times import Clock, Stopwatch, at

# `sqlalchemy.exc.ProgrammingError: ... does not exist`; a traceback often ends with a background line.
_ERROR_LINE: Final = re.compile(r"^[\w.]*(Error|Exception|Failure|FAILED)\b")


@dataclass(frozen=True)
class Ran:
    command: str  # masked, as shown and logged
    exit_code: int
    started: datetime
    seconds: float
    error_line: str  # the last exception line (or last line) of a failure; "" on success


@dataclass(frozen=True)
class Driver:
    command: AlembicCommand
    url: SecretStr
    clock: Clock
    masker: Masker
    announce: Callable[[str], None]  # a step starts
    output: Callable[[str], None]  # a line of Alembic's output, masked

    def run(self, verb: str, target: str) -> Ran:
        self.announce(f"alembic {verb} {target}")
        said: list[str] = []

        def relay(line: str) -> None:
            if line.strip() and (not said or _ERROR_LINE.match(line) or not _ERROR_LINE.match(said[0])):
                said[:] = [line]
            self.output(line)

        started, watch = at(self.clock.time()), Stopwatch(self.clock)
        code = self.command.stream([verb, target], self.url, relay, self.masker)
        shown = self.masker(shlex.join([*self.command.argv, verb, target]))
        return Ran(shown, code, started, watch.lap(), said[0] if code != 0 and said else "")
