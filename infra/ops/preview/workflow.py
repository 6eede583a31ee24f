"""`preview create|delete|list|prune`: the workflows, on a Neon stack other than production.

Production is refused before any API call: a preview of production would copy customers' data into a
branch that pull-request code can read (anonymized previews are for later). Results never hold a URL
or a password, except `PreviewCreated.database_url`, filled only when the caller asked for `-o env`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from infra.config import NeonStack
from infra.errors import ExitCode
from infra.neon import NeonClient
from infra.ops.neon.branches import check_expiry
from infra.ops.neon.previews import (
    DEFAULT_PREVIEW_EXPIRY,
    Action,
    Preview,
    connection_uri,
    delete_preview,
    ensure_preview,
    find_preview,
    list_previews,
    preview_name,
)
from infra.ops.neon.target import NeonTarget
from infra.ops.preview.errors import PreviewError
from infra.ops.safety.context import SafetyContext
from infra.ops.times import at, human, rfc3339


class PreviewCreated(BaseModel):
    """`preview create`'s result; its JSON has exactly the six fields below `action`'s."""

    model_config = ConfigDict(frozen=True)

    pr: int
    branch_id: str
    branch_name: str
    expires_at: datetime | None
    endpoint_host: str | None
    reset: bool
    action: Action = Field(exclude=True)
    database_url: SecretStr | None = Field(default=None, exclude=True)

    def as_json(self) -> str:
        return json.dumps(
            {**self.model_dump(mode="json"), "expires_at": rfc3339(self.expires_at) if self.expires_at else None}
        )

    def lines(self) -> list[str]:
        done = {
            "created": "created",
            "reset": "reset to the parent's current data",
            "kept": "kept its data (--keep-data)",
        }[self.action]
        expires = rfc3339(self.expires_at) if self.expires_at else "never"
        return [f"{self.branch_name} ({self.branch_id}) {done}; expires {expires}; compute {self.endpoint_host}"]

    def env_lines(self) -> list[str]:
        """For `$GITHUB_ENV` (after `::add-mask::`) or `set -a; . file`: the only output with the URL."""
        if self.database_url is None:
            raise PreviewError("no connection URI was read for this preview")  # a bug: -o env asks for it
        return [
            f"PREVIEW_BRANCH_NAME={self.branch_name}",
            f"PREVIEW_BRANCH_ID={self.branch_id}",
            f"PREVIEW_EXPIRES_AT={rfc3339(self.expires_at) if self.expires_at else ''}",
            f"PREVIEW_RESET={'true' if self.reset else 'false'}",
            f"DATABASE_URL={self.database_url.get_secret_value()}",
        ]


class PreviewList(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    now: datetime
    previews: list[Preview]

    def as_json(self) -> str:
        rows = [
            {
                "pr": p.pr,
                "branch_id": p.branch_id,
                "branch_name": p.branch_name,
                "created_at": rfc3339(p.created_at) if p.created_at else None,
                "age_seconds": int((self.now - p.created_at).total_seconds()) if p.created_at else None,
                "expires_at": rfc3339(p.expires_at) if p.expires_at else None,
                "compute_state": p.compute_state,
            }
            for p in self.previews
        ]
        return json.dumps({"stack": self.stack, "previews": rows})

    def lines(self) -> list[str]:
        if not self.previews:
            return [f"no previews on {self.stack}"]
        rows = [("PR", "BRANCH", "AGE", "EXPIRES", "COMPUTE")]
        for p in self.previews:
            age = human(self.now - p.created_at) if p.created_at else "?"
            rows.append((str(p.pr), f"{p.branch_name} ({p.branch_id})", age, _when(p.expires_at), p.compute_state))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


class PreviewsDeleted(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    deleted: list[str]  # `preview/pr-3 (br-…)`
    gone: list[str]  # names that were already deleted
    kept: list[str]
    dry_run: bool = False

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        lines = [f"{verb} {name}" for name in self.deleted]
        lines += [f"{name} does not exist (already deleted)" for name in self.gone]
        lines += [f"kept {name}" for name in self.kept]
        return lines or [f"no previews on {self.stack}"]


def _when(moment: datetime | None) -> str:
    return rfc3339(moment) if moment else "never"


def _target(ctx: SafetyContext, stack: str, command: str) -> tuple[NeonTarget, NeonClient]:
    """Production is refused from its settings alone, before the API key or the stack's outputs are read."""
    settings = ctx.stack_settings(stack)
    if isinstance(settings, NeonStack) and settings.is_production:
        raise PreviewError(
            f"`{command}` refuses production: a preview would copy production's data into a branch that "
            "pull-request code can read (anonymized previews are not available yet)",
            hint="previews branch staging: use --stack staging (the default)",
            exit_code=ExitCode.REFUSED,
        )
    return ctx.neon_target(stack, command)


def create_preview(
    ctx: SafetyContext,
    stack: str,
    pr: int,
    *,
    expires_in: timedelta | None = None,
    keep_data: bool = False,
    with_url: bool = False,
) -> PreviewCreated:
    lifetime = check_expiry(expires_in or DEFAULT_PREVIEW_EXPIRY, hint="use at most 30d; every push sets it again")
    target, neon = _target(ctx, stack, "preview create")
    with neon:
        preview, action = ensure_preview(
            neon, target, pr, expires_in=lifetime, keep_data=keep_data, now=ctx.now(), reporter=ctx.reporter
        )
        url = connection_uri(neon, target, preview) if with_url else None
    return PreviewCreated(
        pr=pr,
        branch_id=preview.branch_id,
        branch_name=preview.branch_name,
        expires_at=preview.expires_at,
        endpoint_host=preview.endpoint_host,
        reset=action == "reset",
        action=action,
        database_url=url,
    )


def delete_one(ctx: SafetyContext, stack: str, pr: int) -> PreviewsDeleted:
    """Already gone is success: a closed pull request's cleanup must not fail on a second run."""
    target, neon = _target(ctx, stack, "preview delete")
    with neon:
        branch = find_preview(neon, target, pr)
        if branch is None:
            return PreviewsDeleted(stack=stack, deleted=[], gone=[preview_name(pr)], kept=[])
        ctx.reporter.step(f"deleting {branch.name} ({branch.id})")
        deleted = delete_preview(neon, target, branch.id, branch.name)
    label = f"{branch.name} ({branch.id})"
    return PreviewsDeleted(stack=stack, deleted=[label] if deleted else [], gone=[] if deleted else [label], kept=[])


def list_all(ctx: SafetyContext, stack: str) -> PreviewList:
    target, neon = _target(ctx, stack, "preview list")
    with neon:
        previews = list_previews(neon, target)
    return PreviewList(stack=stack, now=at(ctx.now()), previews=previews)


def prune(ctx: SafetyContext, stack: str, open_prs: frozenset[int], *, dry_run: bool = False) -> PreviewsDeleted:
    """Delete the previews of pull requests that are not in `open_prs`."""
    target, neon = _target(ctx, stack, "preview prune")
    deleted: list[str] = []
    gone: list[str] = []
    with neon:
        previews = list_previews(neon, target)
        stale = [p for p in previews if p.pr not in open_prs]
        for preview in stale:
            label = f"{preview.branch_name} ({preview.branch_id})"
            if dry_run:
                deleted.append(label)
                continue
            ctx.reporter.step(f"deleting {label}: pull request {preview.pr} is not open")
            if delete_preview(neon, target, preview.branch_id, preview.branch_name):
                deleted.append(label)
            else:
                gone.append(label)
    kept = [f"{p.branch_name} ({p.branch_id})" for p in previews if p.pr in open_prs]
    return PreviewsDeleted(stack=stack, deleted=deleted, gone=gone, kept=kept, dry_run=dry_run)
