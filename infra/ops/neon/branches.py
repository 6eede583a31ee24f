"""Branches made on a Neon stack, with Neon's refusals made explicit: any branch, and throwaway branches
(deleted on the way out, whatever happens, and expiring anyway as a backstop)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import SecretStr

from infra.neon import NeonClient, errors
from infra.neon.models import Branch, BranchCreate, BranchEndpointOptions, CreatedBranch
from infra.ops.neon.budget import check_branch_budget
from infra.ops.neon.errors import NeonStackError
from infra.ops.neon.target import NeonTarget
from infra.ops.reporter import Reporter
from infra.ops.times import at, human, rfc3339

# Neon deletes an expiring branch by itself: a throwaway branch we fail to delete (a crash, a kill -9)
# still disappears. Long enough for any migration test or drill.
THROWAWAY_EXPIRY = timedelta(days=1)
NEON_MAX_EXPIRY = timedelta(days=30)
CLEANUP_HINT = "it expires on its own at {expires}; delete it sooner in the Neon Console or with neonctl"


def check_expiry(expires_in: timedelta, *, hint: str, option: str = "--expires-in") -> timedelta:
    """An expiry Neon can keep (at most 30 days ahead), checked before any API call."""
    if expires_in > NEON_MAX_EXPIRY:
        raise NeonStackError(
            f"{option} {human(expires_in)} is longer than Neon allows for a branch expiry ({human(NEON_MAX_EXPIRY)})",
            hint=hint,
        )
    return expires_in


def limit_hint(project_id: str) -> str:
    return (
        f"delete branches you no longer need in project {project_id} (old backup/, preview/, restore-drill/ and "
        "migration-test/ branches; `backups prune` and `preview prune` prune them), or move the project to a plan "
        "with more branches"
    )


def explain(exc: errors.NeonError, *, doing: str, project_id: str) -> NeonStackError:
    """Neon's refusal as a NeonStackError that names the limit or window Neon gave."""
    if isinstance(exc, errors.UnprocessableEntityError):
        return NeonStackError(f"Neon refused to {doing}: {exc.api_message}", hint=limit_hint(project_id))
    if isinstance(exc, errors.BadRequestError):
        return NeonStackError(f"Neon refused to {doing}: {exc.api_message}")
    if isinstance(exc, errors.ConflictError):
        return NeonStackError(f"Neon refused to {doing}: {exc.api_message}", hint="choose another --name")
    return NeonStackError(f"could not {doing}: {exc}")


def create_branch(
    neon: NeonClient, target: NeonTarget, spec: BranchCreate, *, compute: bool | BranchEndpointOptions, doing: str
) -> CreatedBranch:
    """Count first (the branch budget), then create; Neon's own refusals are explained too. `compute`: a
    read-write compute with Neon's defaults (True), with these options, or none (False)."""
    check_branch_budget(neon, target, creating=f"branch {spec.name}" if spec.name else "a new branch")
    if isinstance(compute, BranchEndpointOptions):
        endpoints: list[BranchEndpointOptions] | None = [compute]
    else:
        endpoints = [BranchEndpointOptions(type="read_write")] if compute else None
    try:
        return neon.create_branch(target.project_id, spec, endpoints=endpoints)
    except errors.NeonError as exc:
        raise explain(exc, doing=doing, project_id=target.project_id) from None


def delete_branch(neon: NeonClient, target: NeonTarget, branch: Branch, reporter: Reporter) -> bool:
    """Delete, reporting (not raising) a failure: cleanup must never hide the original error."""
    try:
        neon.delete_branch(target.project_id, branch.id)
    except errors.NeonError as exc:
        expires = rfc3339(branch.expires_at) if branch.expires_at else "never"
        reporter.note(
            f"warning: could not delete branch {branch.name} ({branch.id}): {exc}\n  "
            + CLEANUP_HINT.format(expires=expires)
        )
        return False
    return True


@dataclass
class Throwaway:
    """A branch made to be deleted, with a compute and a connection URI for the stack's database."""

    branch: Branch
    uri: SecretStr
    deleted: bool = False


@contextmanager
def throwaway_branch(
    neon: NeonClient,
    target: NeonTarget,
    *,
    name: str,
    now: float,
    reporter: Reporter,
    point: datetime | None = None,
) -> Iterator[Throwaway]:
    """A branch of the default branch (at `point` or now) that is deleted on the way out, whatever happens."""
    spec = BranchCreate(
        name=name, parent_id=target.branch_id, parent_timestamp=point, expires_at=at(now) + THROWAWAY_EXPIRY
    )
    with reporter.working(f"creating branch {name}"):
        created = create_branch(neon, target, spec, compute=True, doing=f"create branch {name}")
    throwaway: Throwaway | None = None
    try:
        uri = neon.get_connection_uri(
            target.project_id,
            branch_id=created.branch.id,
            database_name=target.outputs.database,
            role_name=target.outputs.role,
        )
        throwaway = Throwaway(created.branch, uri)
        yield throwaway
    finally:
        reporter.step(f"deleting branch {name}")
        with reporter.working(f"deleting branch {name}"):
            deleted = delete_branch(neon, target, created.branch, reporter)
        if throwaway is not None:
            throwaway.deleted = deleted
