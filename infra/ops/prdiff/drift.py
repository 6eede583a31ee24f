"""Drift: does Neon still match what Pulumi last deployed? Checked without writing any state.

`pulumi refresh --preview-only --json --expect-no-changes` is the verdict (its change summary counts
drifted resources) but carries no values. For the values, `pulumi preview --refresh --json`: after
its in-memory refresh, each step's old *inputs* are what was deployed and its old *outputs* what Neon
reports now, so every input whose two values differ was changed outside Pulumi.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra.config.plans import human_duration
from infra.errors import ExitCode
from infra.ops.prdiff.changes import differs, resource_kind, resource_name
from infra.ops.prdiff.facts import stack_facts
from infra.ops.prdiff.markdown import cell, code, fenced, format_value
from infra.ops.prdiff.mask import mask_text, mask_value
from infra.ops.prdiff.model import FieldChange, ResourceChange, Risk, StackFacts
from infra.ops.prdiff.preview import PreviewDigest, Step
from infra.ops.prdiff.risks import RETENTION_FIELD
from infra.ops.prdiff.schedule import schedule_risks
from infra.ops.pulumi import PulumiCli, PulumiError

MAX_ROWS: Final = 200


class DriftOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    stacks: list[str]
    project_dir: Path


class StackDrift(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    drifted: int = 0  # resources the refresh would change
    changes: list[ResourceChange] = Field(default_factory=list)  # old: deployed, new: in Neon now
    risks: list[Risk] = Field(default_factory=list)
    error: str | None = None


class DriftResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stacks: list[StackDrift]
    markdown: str
    exit_code: int
    summary: str


def drifted_resources(refresh: PreviewDigest) -> int:
    return sum(n for op, n in refresh.change_summary.items() if op != "same")


def drift_changes(preview: PreviewDigest) -> list[ResourceChange]:
    """Per resource, the inputs whose value in Neon differs from the deployed one (masked)."""
    return [change for step in preview.steps if (change := _drift_change(step)) is not None]


def _drift_change(step: Step) -> ResourceChange | None:
    old, new = step.old_state, step.new_state
    state = old or new
    if state is None or not state.custom or state.type.startswith("pulumi:"):
        return None
    if old is None and step.op == "create":  # gone from Neon (refresh dropped it), or never deployed
        return ResourceChange(
            urn=step.urn, name=resource_name(step.urn), kind=resource_kind(state.type), action="create"
        )
    if old is None or step.op not in ("update", "replace"):
        return None
    fields = [
        FieldChange(name=k, old=mask_value(k, v), new=mask_value(k, old.outputs[k]))
        for k, v in sorted(old.inputs.items())
        if k != "__provider" and k in old.outputs and differs(v, old.outputs[k])
    ]
    if not fields:
        return None
    return ResourceChange(
        urn=step.urn,
        name=resource_name(step.urn),
        kind=resource_kind(state.type),
        action="update",
        fields=fields,
        drift=True,
    )


def _json(text: str) -> PreviewDigest | None:
    try:
        return PreviewDigest.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError):
        return None


def stack_drift(stack: str, cli: PulumiCli, project_dir: Path) -> StackDrift:
    try:
        result = cli.run(stack, ["refresh", "--preview-only", "--json", "--expect-no-changes"], check=False)
    except PulumiError as exc:
        return StackDrift(stack=stack, error=mask_text(str(exc)))
    refresh = _json(result.stdout)
    if refresh is None:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        return StackDrift(stack=stack, error=mask_text(f"`pulumi refresh --preview-only` failed:\n{tail}"))
    drifted = drifted_resources(refresh)
    if not drifted:
        return StackDrift(stack=stack)
    try:
        details = PreviewDigest.model_validate(cli.preview_json(stack, "--refresh"))
    except (PulumiError, ValidationError):
        details = PreviewDigest()
    changes = drift_changes(details)
    facts = stack_facts(stack, project_dir, details.config)
    return StackDrift(stack=stack, drifted=drifted, changes=changes, risks=drift_risks(changes, facts))


def drift_risks(changes: list[ResourceChange], facts: StackFacts) -> list[Risk]:
    """What a change made outside Pulumi has already cost: restore history, snapshots, branch protection."""
    risks: list[Risk] = []
    for change in changes:
        risks += schedule_risks(change, facts, drift=True)
        retention = change.field(RETENTION_FIELD)
        if (
            retention
            and isinstance(retention.old, int)
            and isinstance(retention.new, int)
            and retention.new < retention.old
        ):
            before, after = human_duration(retention.old), human_duration(retention.new)
            risks.append(
                Risk(
                    stack=facts.stack,
                    kind="retention-shortened",
                    resource=change.name,
                    title=f"{facts.stack}: restore horizon cut from {before} to {after} outside Pulumi",
                    detail=f"History older than {after} may already be gone; `pulumi up` puts the setting back, "
                    "not the history.",
                )
            )
        flag = change.field("protected")
        if change.kind == "Branch" and flag and flag.old is True and flag.new is not True:
            risks.append(
                Risk(
                    stack=facts.stack,
                    kind="protection-removed",
                    resource=change.name,
                    blocking=facts.is_production,
                    title=f"{facts.stack} branch {code(change.name)} is no longer protected in Neon",
                    detail="It can be deleted or reset from the console or API until protection is restored.",
                )
            )
    return risks


def _verdict(drift: StackDrift) -> str:
    if drift.error:
        return "check failed"
    if not drift.drifted:
        return "no drift"
    return f"{drift.drifted} resource{'s' if drift.drifted != 1 else ''} drifted"


def _stack_section(drift: StackDrift) -> list[str]:
    if drift.error:
        return ["", f"#### {drift.stack} · check failed", "", fenced(drift.error)]
    if not drift.drifted:
        return []
    lines = ["", f"#### {drift.stack} · {_verdict(drift)}", ""]
    lines += [f"- {'⛔' if r.blocking else '⚠️'} **{r.title}.** {r.detail}" for r in drift.risks]
    rows = [
        f"| {code(c.name, in_table=True)} {cell(c.kind)} | {code(f.name, in_table=True)} | "
        f"{code(format_value(f.name, f.old), in_table=True)} | {code(format_value(f.name, f.new), in_table=True)} |"
        for c in drift.changes
        for f in c.fields
    ]
    missing = [c for c in drift.changes if c.action == "create"]
    if rows:
        lines += ["", "| Resource | Setting | Deployed by Pulumi | In Neon now |", "| --- | --- | --- | --- |"]
        lines += rows[:MAX_ROWS] + ([f"| …{len(rows) - MAX_ROWS} more | | | |"] if len(rows) > MAX_ROWS else [])
    if missing:
        names = ", ".join(f"{code(c.name)} {c.kind}" for c in missing)
        lines += ["", f"Missing in Neon (deleted outside Pulumi, or never deployed): {names}."]
    if not rows and not missing:
        lines.append(f"Details: `pulumi refresh --preview-only --diff --stack {drift.stack}`.")
    lines += [
        "",
        f"To restore the declared settings: `pulumi up --refresh --stack {drift.stack}` (read its preview "
        f"first). To keep Neon's values: change `Pulumi.{drift.stack}.yaml` to match in a pull request.",
    ]
    return lines


def render_drift(stacks: list[StackDrift]) -> str:
    drifted = [d.stack for d in stacks if d.drifted]
    failed = [d.stack for d in stacks if d.error]
    status = [f"❌ drift in {', '.join(drifted)}"] if drifted else []
    status += [f"❌ check failed for {', '.join(failed)}"] if failed else []
    lines = ["### Drift check — " + (" · ".join(status) or "✅ no drift"), ""]
    lines.append(" · ".join(f"**{d.stack}:** {_verdict(d)}" for d in stacks))
    for drift in stacks:
        lines += _stack_section(drift)
    lines += [
        "",
        "<sub>Secrets are masked. Generated by <code>python -m infra drift</code>; no state was written.</sub>",
    ]
    return "\n".join(lines) + "\n"


def check_drift(options: DriftOptions, cli: PulumiCli | None = None) -> DriftResult:
    """Exit 5 when any stack drifted, 1 when a check could not run, else 0."""
    cli = cli or PulumiCli(options.project_dir)
    stacks = [stack_drift(stack, cli, options.project_dir) for stack in dict.fromkeys(options.stacks)]
    code_ = ExitCode.OK
    if any(d.drifted for d in stacks):
        code_ = ExitCode.DRIFT
    elif any(d.error for d in stacks):
        code_ = ExitCode.ERROR
    summary = "drift check: " + "; ".join(f"{d.stack}: {_verdict(d)}" for d in stacks)
    return DriftResult(stacks=stacks, markdown=render_drift(stacks), exit_code=code_, summary=summary)
