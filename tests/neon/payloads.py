"""Minimal Neon API JSON shapes for MockTransport tests (the emulator covers the full shapes)."""

from __future__ import annotations

CREATED_AT = "2026-01-01T00:00:00Z"


def project(pid: str = "proj-1", name: str = "shelf", created_at: str = CREATED_AT) -> dict[str, object]:
    return {
        "id": pid,
        "name": name,
        "region_id": "aws-us-east-2",
        "pg_version": 17,
        "created_at": created_at,
        "store_passwords": True,
    }


def branch(
    bid: str = "br-1",
    name: str = "main",
    *,
    default: bool = True,
    pid: str = "proj-1",
    parent_id: str | None = None,
) -> dict[str, object]:
    return {
        "id": bid,
        "project_id": pid,
        "name": name,
        "default": default,
        "current_state": "ready",
        "parent_id": parent_id,
    }


def endpoint(
    eid: str = "ep-1", bid: str = "br-1", state: str = "active", pid: str = "proj-1", kind: str = "read_write"
) -> dict[str, object]:
    return {
        "id": eid,
        "project_id": pid,
        "branch_id": bid,
        "host": f"{eid}.neon.test",
        "type": kind,
        "current_state": state,
    }


def operation(
    oid: str = "op-1",
    status: str = "running",
    action: str = "create_branch",
    *,
    duration_ms: int = 0,
    pid: str = "proj-1",
    bid: str | None = "br-1",
    error: str | None = None,
) -> dict[str, object]:
    return {
        "id": oid,
        "project_id": pid,
        "branch_id": bid,
        "action": action,
        "status": status,
        "total_duration_ms": duration_ms,
        "error": error,
        "failures_count": 0,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
    }


def role(name: str = "app", password: str | None = None, bid: str = "br-1") -> dict[str, object]:
    out: dict[str, object] = {"branch_id": bid, "name": name, "protected": False}
    if password is not None:
        out["password"] = password
    return out


def database(name: str = "appdb", owner: str = "app", bid: str = "br-1") -> dict[str, object]:
    return {"id": 1, "branch_id": bid, "name": name, "owner_name": owner}
