"""Pull-request branches: `preview/pr-<N>` of a stack's default branch, with its own smallest compute
that suspends after 5 idle minutes, and an expiry (Neon deletes it by itself if nobody does).

Creating one is idempotent: the branch is looked up by name first. An existing preview is reset to the
parent's current data (Neon's branch restore from its parent: the connection string stays the same and
Neon restarts the expiry countdown), unless the caller keeps its data; its expiry is set again either
way, and a missing or resized compute is put back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr

from infra.config.plans import COMPUTE_UNIT_STEP
from infra.neon import NeonClient, errors
from infra.neon.models import Branch, BranchCreate, BranchEndpointOptions, BranchRestore, BranchUpdate, Endpoint
from infra.neon.models.endpoints import EndpointCreate, EndpointUpdate
from infra.ops.neon.branches import create_branch, explain
from infra.ops.neon.budget import PREVIEW_PREFIX
from infra.ops.neon.target import NeonTarget
from infra.ops.reporter import Reporter
from infra.ops.times import at

DEFAULT_PREVIEW_EXPIRY: Final = timedelta(days=3)
PREVIEW_SUSPEND_SECONDS: Final = 300  # scale to zero after 5 idle minutes
# The smallest compute Neon offers: a quarter compute unit, fixed (no autoscaling).
PREVIEW_COMPUTE: Final = BranchEndpointOptions(
    type="read_write",
    autoscaling_limit_min_cu=COMPUTE_UNIT_STEP,
    autoscaling_limit_max_cu=COMPUTE_UNIT_STEP,
    suspend_timeout_seconds=PREVIEW_SUSPEND_SECONDS,
)
_NAME = re.compile(r"^preview/pr-([1-9][0-9]*)$")

Action = Literal["created", "reset", "kept"]
T = TypeVar("T")


class Preview(BaseModel):
    """A preview branch as listed: its pull request, branch, expiry and compute."""

    model_config = ConfigDict(frozen=True)

    pr: int
    branch_id: str
    branch_name: str
    created_at: datetime | None
    expires_at: datetime | None
    endpoint_host: str | None
    compute_state: str  # Neon's endpoint state (active, idle, init), or `none` without a compute


def preview_name(pr: int) -> str:
    return f"{PREVIEW_PREFIX}{pr}"


def pr_number(branch_name: str) -> int | None:
    """The pull request a branch is the preview of, or None for any other branch."""
    match = _NAME.match(branch_name)
    return int(match[1]) if match else None


def _preview(branch: Branch, compute: Endpoint | None) -> Preview:
    return Preview(
        pr=pr_number(branch.name) or 0,
        branch_id=branch.id,
        branch_name=branch.name,
        created_at=branch.created_at,
        expires_at=branch.expires_at,
        endpoint_host=compute.host if compute else None,
        compute_state=compute.current_state if compute else "none",
    )


def list_previews(neon: NeonClient, target: NeonTarget) -> list[Preview]:
    """Every preview branch of the stack's project, by pull request (two API calls)."""
    branches = [b for b in neon.list_branches(target.project_id, search=PREVIEW_PREFIX) if pr_number(b.name)]
    computes = {e.branch_id: e for e in neon.list_endpoints(target.project_id) if e.type == "read_write"}
    return sorted((_preview(b, computes.get(b.id)) for b in branches), key=lambda p: p.pr)


def find_preview(neon: NeonClient, target: NeonTarget, pr: int) -> Branch | None:
    name = preview_name(pr)
    return next((b for b in neon.list_branches(target.project_id, search=name) if b.name == name), None)


def ensure_preview(
    neon: NeonClient,
    target: NeonTarget,
    pr: int,
    *,
    expires_in: timedelta,
    keep_data: bool,
    now: float,
    reporter: Reporter,
) -> tuple[Preview, Action]:
    """Create `preview/pr-<pr>`, or reset the existing one to the parent's current data (unless `keep_data`)."""
    name, expires_at = preview_name(pr), at(now) + expires_in
    existing = find_preview(neon, target, pr)
    if existing is None:
        reporter.step(f"creating {name} of {target.stack}'s default branch, with its own compute")
        spec = BranchCreate(name=name, parent_id=target.branch_id, expires_at=expires_at)
        with reporter.working(f"creating {name}"):
            created = create_branch(neon, target, spec, compute=PREVIEW_COMPUTE, doing=f"create {name}")
        compute = next((e for e in created.endpoints if e.type == "read_write"), None)
        return _preview(created.branch, compute), "created"
    if not keep_data:
        reporter.step(f"resetting {name} to the current data of {target.stack}'s default branch")
        with reporter.working(f"resetting {name}"):
            _call(
                target,
                lambda: neon.restore_branch(target.project_id, existing.id, _from_parent(target)),
                f"reset {name}",
            )
    branch = _call(
        target,
        lambda: neon.update_branch(target.project_id, existing.id, BranchUpdate(expires_at=expires_at)),
        f"set the expiry of {name}",
    )
    compute = _call(target, lambda: ensure_compute(neon, target, branch, reporter), f"set up the compute of {name}")
    return _preview(branch, compute), "kept" if keep_data else "reset"


def _from_parent(target: NeonTarget) -> BranchRestore:
    return BranchRestore(source_branch_id=target.branch_id)


def ensure_compute(neon: NeonClient, target: NeonTarget, branch: Branch, reporter: Reporter) -> Endpoint:
    """The branch's read-write compute, created or resized to the preview's size and suspend timeout."""
    computes = [e for e in neon.list_endpoints(target.project_id, branch_id=branch.id) if e.type == "read_write"]
    wanted = PREVIEW_COMPUTE
    if not computes:
        reporter.step(f"creating the compute of {branch.name}")
        spec = EndpointCreate(branch_id=branch.id, **wanted.model_dump(exclude_none=True))
        return neon.create_endpoint(target.project_id, spec)
    compute = computes[0]
    sized = (compute.autoscaling_limit_min_cu, compute.autoscaling_limit_max_cu, compute.suspend_timeout_seconds)
    if sized == (wanted.autoscaling_limit_min_cu, wanted.autoscaling_limit_max_cu, wanted.suspend_timeout_seconds):
        return compute
    reporter.step(f"resizing the compute of {branch.name} to the preview size")
    update = EndpointUpdate(**wanted.model_dump(exclude_none=True, exclude={"type"}))
    return neon.update_endpoint(target.project_id, compute.id, update)


def connection_uri(neon: NeonClient, target: NeonTarget, preview: Preview) -> SecretStr:
    """The preview's DATABASE_URL: the stack's database and role, on the preview's compute."""
    return _call(
        target,
        lambda: neon.get_connection_uri(
            target.project_id,
            branch_id=preview.branch_id,
            database_name=target.outputs.database,
            role_name=target.outputs.role,
        ),
        f"read the connection URI of {preview.branch_name}",
    )


def delete_preview(neon: NeonClient, target: NeonTarget, branch_id: str, name: str) -> bool:
    """Delete a preview branch (and its compute); False if it was already gone."""
    return _call(target, lambda: neon.delete_branch(target.project_id, branch_id), f"delete {name}")


def _call(target: NeonTarget, call: Callable[[], T], doing: str) -> T:
    """Neon's refusal as a NeonStackError that names what we were doing."""
    try:
        return call()
    except errors.NeonError as exc:
        raise explain(exc, doing=doing, project_id=target.project_id) from None
