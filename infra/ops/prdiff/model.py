"""What a stack's preview means for a reviewer: resource changes, risks, and the whole report.

Values in these models are already masked (see `mask.py`): rendering never sees a raw secret.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

# Most dangerous first: the order of rows in each table and of words in the verdict.
Action = Literal["replace", "delete", "create", "update", "unprotect"]
ACTION_ORDER: tuple[Action, ...] = ("replace", "delete", "create", "update", "unprotect")

RiskKind = Literal[
    "replaced",
    "deleted",
    "protection-removed",
    "protect-dropped",
    "retention-shortened",
    "retention-over-cap",
    "snapshots-shortened",
    "irreversible",
    "location-changed",
    "preview-failed",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Frozen):
    """One input: `old` is None for a created resource."""

    name: str
    old: JsonValue = None
    new: JsonValue = None


class ResourceChange(_Frozen):
    urn: str
    name: str
    kind: str  # the short type: Project, Branch, Database, Role...
    action: Action
    fields: list[FieldChange] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    protected: bool = False  # the resource has `protect` set today
    protect_dropped: bool = False  # ...and the program no longer sets it
    blocked_by_protect: bool = False  # the engine refused the step in preview
    follows: str | None = None  # replaced because this other resource is replaced
    drift: bool = False  # the change undoes a difference found by refresh

    @property
    def destructive(self) -> bool:
        return self.action in ("replace", "delete")

    def field(self, name: str) -> FieldChange | None:
        return next((f for f in self.fields if f.name == name), None)


class StackFacts(_Frozen):
    """The stack's settings that risks depend on (from its stack file, else the preview's config)."""

    stack: str
    environment: str
    plan: str | None = None
    history_retention_seconds: int | None = None
    overrides: dict[str, str] = Field(default_factory=dict)  # safetyOverrides: key -> the reason given

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


class StackPreview(_Frozen):
    stack: str
    changes: list[ResourceChange] = Field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = Field(default_factory=list)  # masked; the preview failed when non-empty
    stopped_early: bool = False  # the engine stopped at a protected resource: dependents may be missing

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)


class Risk(_Frozen):
    stack: str
    kind: RiskKind
    title: str  # Markdown, one line
    detail: str  # Markdown, one or two sentences
    blocking: bool = False  # the gate refuses it unless acknowledged
    resource: str | None = None


class StackReport(_Frozen):
    preview: StackPreview
    facts: StackFacts
    risks: list[Risk] = Field(default_factory=list)


class Report(_Frozen):
    stacks: list[StackReport]
    acknowledged: bool = False

    @property
    def risks(self) -> list[Risk]:
        return [risk for stack in self.stacks for risk in stack.risks]

    @property
    def blocking(self) -> list[Risk]:
        return [risk for risk in self.risks if risk.blocking]

    @property
    def blocked(self) -> bool:
        return bool(self.blocking) and not self.acknowledged

    @property
    def failed(self) -> list[str]:
        return [s.preview.stack for s in self.stacks if s.preview.failed]
