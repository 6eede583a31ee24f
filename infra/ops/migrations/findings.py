"""The lint's report: what each pending revision does that is dangerous, and whether it blocks."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["blocking", "acknowledged", "allowed", "warning"]
SEVERITIES: Final[tuple[Severity, ...]] = ("blocking", "acknowledged", "allowed", "warning")
CLEAN: Final = 0
BLOCKED: Final = 8


class Finding(BaseModel):
    """One rule on one statement's target. `message` says why it is dangerous; `safe` the safe way;
    `note` why it does not block (acknowledgement, expand/contract) or when it will stop blocking."""

    model_config = ConfigDict(frozen=True)

    revision: str
    file: str
    rule: str
    severity: Severity
    target: str
    statement: str
    message: str
    safe: str = ""
    note: str = ""
    sql_line: int  # 1-based, in the revision's rendered SQL
    file_line: int  # 1-based, `def upgrade` in the migration file
    allowed_after: datetime | None = None


class RevisionInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    revision: str
    file: str
    irreversible: bool = False
    deprecates: tuple[str, ...] = ()


class LintReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    start: str  # the revision the pending ones follow, or `base`
    from_option: bool = False  # `start` was given with --from (not read from the stack's database)
    revisions: tuple[RevisionInfo, ...]
    findings: tuple[Finding, ...]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def exit_code(self) -> int:
        return BLOCKED if self.count("blocking") else CLEAN

    def of(self, revision: str) -> list[Finding]:
        return [f for f in self.findings if f.revision == revision]

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in SEVERITIES)
        verdict = "BLOCKED" if self.exit_code == BLOCKED else "ok"
        return f"{len(self.revisions)} revision(s) after {self.start}: {counts} -> {verdict}"
