"""The recording test double of `infra.ops.reporter.Reporter`: every line kept, in order and by kind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class RecordingReporter:
    lines: list[str] = field(default_factory=list)  # everything, prefixed by kind, in order
    steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    spinners: list[str] = field(default_factory=list)

    def step(self, message: str) -> None:
        self.steps.append(message)
        self.lines.append(f"==> {message}")

    def note(self, message: str) -> None:
        self.notes.append(message)
        self.lines.append(message)

    def output(self, line: str) -> None:
        self.outputs.append(line)
        self.lines.append(f"| {line}")

    @contextmanager
    def working(self, message: str) -> Iterator[None]:
        self.spinners.append(message)
        self.lines.append(f"... {message}")
        yield

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
