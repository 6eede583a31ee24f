"""HTTP handlers for snapshots, snapshot restores and backup schedules."""

from __future__ import annotations

from neon_emulator.requests import parse_body
from neon_emulator.requests_snapshots import (
    BackupSchedule,
    FinalizeRestoreRequest,
    SnapshotQuery,
    SnapshotRestoreRequest,
    SnapshotUpdateRequest,
)
from neon_emulator.responses import Call, Reply, ok, operations
from neon_emulator.wire import branch_json, endpoint_json, snapshot_json

SNAPSHOT_QUERY = ("lsn", "timestamp", "name", "expires_at")


def _branch_ids(call: Call) -> tuple[str, str]:
    return call.params["project_id"], call.params["branch_id"]


def _snapshot_ids(call: Call) -> tuple[str, str]:
    return call.params["project_id"], call.params["snapshot_id"]


def get_schedule(call: Call) -> Reply:
    schedule = call.backend.get_snapshot_schedule(*_branch_ids(call))
    return ok({"schedule": [item.model_dump(exclude_none=True) for item in schedule]})


def set_schedule(call: Call) -> Reply:
    call.backend.set_snapshot_schedule(*_branch_ids(call), parse_body(BackupSchedule, call.body))
    return ok({})


def create_snapshot(call: Call) -> Reply:
    given = {name: value for name in SNAPSHOT_QUERY if (value := call.query.text(name)) is not None}
    query = parse_body(SnapshotQuery, given, what="query parameters")
    snapshot = call.backend.create_snapshot(*_branch_ids(call), query)
    return ok({"snapshot": snapshot_json(snapshot), "operations": []})


def list_snapshots(call: Call) -> Reply:
    snapshots = call.backend.list_snapshots(call.params["project_id"])
    return ok({"snapshots": [snapshot_json(snapshot) for snapshot in snapshots]})


def update_snapshot(call: Call) -> Reply:
    request = parse_body(SnapshotUpdateRequest, call.body)
    return ok({"snapshot": snapshot_json(call.backend.update_snapshot(*_snapshot_ids(call), request))})


def delete_snapshot(call: Call) -> Reply:
    return ok({"operations": operations(call.backend.delete_snapshot(*_snapshot_ids(call)))}, 202)


def restore_snapshot(call: Call) -> Reply:
    body = call.body
    deprecated_name = call.query.text("name")  # the spec's deprecated query form of `name`
    if deprecated_name is not None and (body is None or (isinstance(body, dict) and "name" not in body)):
        body = {**(body or {}), "name": deprecated_name}
    request = parse_body(SnapshotRestoreRequest, body, required=False)
    result = call.backend.restore_snapshot(*_snapshot_ids(call), request)
    return ok(
        {
            "branch": branch_json(result.branch),
            "endpoints": [endpoint_json(endpoint) for endpoint in result.endpoints],
            "operations": operations(result.operations),
        }
    )


def finalize_restore(call: Call) -> Reply:
    request = parse_body(FinalizeRestoreRequest, call.body, required=False)
    return ok({"operations": operations(call.backend.finalize_restore_branch(*_branch_ids(call), request))})
