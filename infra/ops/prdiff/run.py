"""`pr-diff` end to end: one preview per stack (run, or read from a saved file), risks, comment, gate."""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from infra.errors import WorkshelfError
from infra.ops.prdiff.changes import stack_preview
from infra.ops.prdiff.facts import stack_facts
from infra.ops.prdiff.gate import exit_code, gate_message
from infra.ops.prdiff.mask import mask_text
from infra.ops.prdiff.model import Report, StackPreview, StackReport
from infra.ops.prdiff.preview import PreviewDigest
from infra.ops.prdiff.render import DEFAULT_BUDGET, render_comment
from infra.ops.prdiff.risks import assess
from infra.ops.pulumi import PulumiCli, PulumiError


class PrDiffError(WorkshelfError):
    """Bad arguments or an unreadable saved preview: nothing sensible to render."""


class PrDiffOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    stacks: list[str]
    sources: dict[str, Path] = {}  # stack -> saved `pulumi preview --json` output
    acknowledged: bool = False
    project_dir: Path
    budget: int = DEFAULT_BUDGET


class PrDiffResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    report: Report
    markdown: str
    exit_code: int
    gate_message: str | None


def parse_sources(values: list[str]) -> dict[str, Path]:
    """`["staging=prev.json"]` -> `{"staging": Path("prev.json")}`."""
    sources: dict[str, Path] = {}
    for value in values:
        stack, sep, path = value.partition("=")
        if not sep or not stack or not path:
            raise PrDiffError(f"--from takes STACK=FILE (e.g. --from staging=preview.json), got {value!r}")
        sources[stack] = Path(path)
    return sources


def stacks_to_show(stacks: list[str], sources: dict[str, Path]) -> list[str]:
    if not stacks:
        stacks = list(sources)
    if not stacks:
        raise PrDiffError("name at least one stack: --stack staging --stack production")
    unknown = sorted(set(sources) - set(stacks))
    if unknown:
        raise PrDiffError(f"--from names {', '.join(unknown)}, which is not among the --stack options")
    return list(dict.fromkeys(stacks))


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _no_constant(text: str) -> None:
    raise ValueError(f"{text} is not JSON")


def read_saved(stack: str, path: Path) -> PreviewDigest:
    """A saved `pulumi preview --json`: UTF-8, strict JSON (no NaN or infinities), not absurdly nested."""
    try:
        text = path.read_bytes().decode("utf-8")
        return PreviewDigest.model_validate(json.loads(text, parse_float=_finite, parse_constant=_no_constant))
    except OSError as exc:
        raise PrDiffError(f"cannot read the saved preview for {stack} ({path}): {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PrDiffError(f"{path} is not UTF-8 text, so not `pulumi preview --json` output (for {stack})") from None
    except RecursionError:
        raise PrDiffError(f"{path} is nested too deeply to be `pulumi preview --json` output (for {stack})") from None
    except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
        reason = f": {exc}" if not isinstance(exc, ValidationError) else ""
        raise PrDiffError(f"{path} is not `pulumi preview --json` output (for {stack}){reason}") from None


def load_preview(stack: str, source: Path | None, cli: PulumiCli) -> PreviewDigest | str:
    """The stack's preview, or why there is none (masked; shown in the comment)."""
    if source is not None:
        return read_saved(stack, source)
    try:
        raw = cli.preview_json(stack)
    except PulumiError as exc:
        return mask_text(str(exc))
    try:
        return PreviewDigest.model_validate(raw)
    except ValidationError:
        return f"`pulumi preview --json --stack {stack}` printed an unexpected document"


def build_report(options: PrDiffOptions, cli: PulumiCli) -> Report:
    stacks = []
    for stack in stacks_to_show(options.stacks, options.sources):
        loaded = load_preview(stack, options.sources.get(stack), cli)
        if isinstance(loaded, str):
            preview, config = StackPreview(stack=stack, errors=[loaded]), {}
        else:
            preview, config = stack_preview(stack, loaded), loaded.config
        facts = stack_facts(stack, options.project_dir, config)
        stacks.append(StackReport(preview=preview, facts=facts, risks=assess(preview, facts)))
    return Report(stacks=stacks, acknowledged=options.acknowledged)


def pr_diff(options: PrDiffOptions, cli: PulumiCli | None = None) -> PrDiffResult:
    """Render the comment and decide the exit code (see `gate.py`)."""
    report = build_report(options, cli or PulumiCli(options.project_dir))
    return PrDiffResult(
        report=report,
        markdown=render_comment(report, budget=options.budget),
        exit_code=exit_code(report),
        gate_message=gate_message(report),
    )
