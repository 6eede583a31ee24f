"""HTTP handlers for branches and their databases and roles."""

from __future__ import annotations

from neon_emulator.requests import (
    BranchCreateRequest,
    BranchRestoreRequest,
    BranchUpdateRequest,
    DatabaseCreateRequest,
    DatabaseUpdateRequest,
    RoleCreateRequest,
    parse_body,
)
from neon_emulator.responses import Call, Reply, ok, operations
from neon_emulator.results import BranchChanged, DatabaseChanged, RoleChanged
from neon_emulator.wire import (
    annotation_json,
    branch_json,
    connection_json,
    database_json,
    endpoint_json,
    role_json,
)


def _ids(call: Call) -> tuple[str, str]:
    return call.params["project_id"], call.params["branch_id"]


def _branch_reply(result: BranchChanged | None) -> Reply:
    if result is None:
        return Reply(204, None)
    return ok({"branch": branch_json(result.branch), "operations": operations(result.operations)})


def _database_reply(result: DatabaseChanged | None, status: int = 200) -> Reply:
    if result is None:
        return Reply(204, None)
    return ok({"database": database_json(result.database), "operations": operations(result.operations)}, status)


def _role_reply(result: RoleChanged | None, status: int = 200) -> Reply:
    if result is None:
        return Reply(204, None)
    password = result.role.password if result.reveal else None
    return ok(
        {"role": role_json(result.role, password=password), "operations": operations(result.operations)},
        status,
    )


def create_branch(call: Call) -> Reply:
    request = parse_body(BranchCreateRequest, call.body, required=False)
    result = call.backend.create_project_branch(call.params["project_id"], request)
    body = {
        "branch": branch_json(result.branch),
        "endpoints": [endpoint_json(endpoint) for endpoint in result.endpoints],
        "operations": operations(result.operations),
        "roles": [role_json(role) for role in result.roles],
        "databases": [database_json(database) for database in result.databases],
    }
    if result.connection_uris is not None:
        body["connection_uris"] = [connection_json(details) for details in result.connection_uris]
    return ok(body, 201)


def list_branches(call: Call) -> Reply:
    q = call.query
    result = call.backend.list_project_branches(
        call.params["project_id"],
        search=q.text("search"),
        sort_by=q.text("sort_by") or "updated_at",
        sort_order=q.text("sort_order") or "desc",
        cursor=q.text("cursor"),
        limit=q.integer("limit"),
    )
    pagination = {"sort_by": result.sort_by, "sort_order": result.sort_order}
    if result.next_cursor:
        pagination["next"] = result.next_cursor
    return ok(
        {
            "branches": [branch_json(branch) for branch in result.branches],
            "annotations": {b.id: annotation_json(b) for b in result.branches if b.annotation},
            "pagination": pagination,
        }
    )


def count_branches(call: Call) -> Reply:
    count = call.backend.count_project_branches(call.params["project_id"], search=call.query.text("search"))
    return ok({"count": count})


def get_branch(call: Call) -> Reply:
    branch = call.backend.get_project_branch(*_ids(call))
    return ok({"branch": branch_json(branch), "annotation": annotation_json(branch)})


def update_branch(call: Call) -> Reply:
    return _branch_reply(call.backend.update_project_branch(*_ids(call), parse_body(BranchUpdateRequest, call.body)))


def delete_branch(call: Call) -> Reply:
    return _branch_reply(call.backend.delete_project_branch(*_ids(call)))


def restore_branch(call: Call) -> Reply:
    request = parse_body(BranchRestoreRequest, call.body)
    return _branch_reply(call.backend.restore_project_branch(*_ids(call), request))


def set_default_branch(call: Call) -> Reply:
    return _branch_reply(call.backend.set_default_project_branch(*_ids(call)))


def list_branch_endpoints(call: Call) -> Reply:
    endpoints = call.backend.list_project_branch_endpoints(*_ids(call))
    return ok({"endpoints": [endpoint_json(endpoint) for endpoint in endpoints]})


def list_databases(call: Call) -> Reply:
    databases = call.backend.list_project_branch_databases(*_ids(call))
    return ok({"databases": [database_json(database) for database in databases]})


def create_database(call: Call) -> Reply:
    request = parse_body(DatabaseCreateRequest, call.body)
    return _database_reply(call.backend.create_project_branch_database(*_ids(call), request), 201)


def get_database(call: Call) -> Reply:
    database = call.backend.get_project_branch_database(*_ids(call), call.params["database_name"])
    return ok({"database": database_json(database)})


def update_database(call: Call) -> Reply:
    request = parse_body(DatabaseUpdateRequest, call.body)
    return _database_reply(
        call.backend.update_project_branch_database(*_ids(call), call.params["database_name"], request)
    )


def delete_database(call: Call) -> Reply:
    return _database_reply(call.backend.delete_project_branch_database(*_ids(call), call.params["database_name"]))


def list_roles(call: Call) -> Reply:
    roles = call.backend.list_project_branch_roles(*_ids(call))
    return ok({"roles": [role_json(role) for role in roles]})


def create_role(call: Call) -> Reply:
    request = parse_body(RoleCreateRequest, call.body)
    return _role_reply(call.backend.create_project_branch_role(*_ids(call), request), 201)


def get_role(call: Call) -> Reply:
    return ok({"role": role_json(call.backend.get_project_branch_role(*_ids(call), call.params["role_name"]))})


def delete_role(call: Call) -> Reply:
    return _role_reply(call.backend.delete_project_branch_role(*_ids(call), call.params["role_name"]))


def reveal_password(call: Call) -> Reply:
    password = call.backend.get_project_branch_role_password(*_ids(call), call.params["role_name"])
    return ok({"password": password})


def reset_password(call: Call) -> Reply:
    return _role_reply(call.backend.reset_project_branch_role_password(*_ids(call), call.params["role_name"]))
