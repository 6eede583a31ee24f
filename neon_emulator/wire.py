"""Wire JSON for each model, field names and shapes as in Neon's OpenAPI schemas (Project, Branch, …)."""

from __future__ import annotations

from typing import Any

from neon_emulator.core import pooler_host
from neon_emulator.models import Branch, ConnectionDetails, Database, Endpoint, Project, Role, Snapshot
from neon_emulator.operations import Operation
from neon_emulator.plans import Plan, platform_of, region_domain
from neon_emulator.timeutil import month_bounds, rfc3339

JSON = dict[str, Any]
REDACTED = "REDACTED"
# Neon reports how an object was made; everything the API creates says "console", as in Neon's examples.
CREATION_SOURCE = "console"
BRANCH_LOGICAL_SIZE_LIMIT_MIB = 512 * 1024


def _optional(payload: JSON, **fields: Any) -> JSON:
    payload.update({key: value for key, value in fields.items() if value is not None})
    return payload


def _time(ts: float | None) -> str | None:
    return None if ts is None else rfc3339(ts)


def _project_common(project: Project) -> JSON:
    payload: JSON = {
        "id": project.id,
        "platform_id": platform_of(project.region_id),
        "region_id": project.region_id,
        "name": project.name,
        "provisioner": project.provisioner,
        "default_endpoint_settings": project.default_endpoint_settings.model_dump(exclude_none=True),
        "settings": project.settings.model_dump(exclude_none=True),
        "pg_version": project.pg_version,
        "proxy_host": region_domain(project.region_id),
        "branch_logical_size_limit": BRANCH_LOGICAL_SIZE_LIMIT_MIB,
        "branch_logical_size_limit_bytes": BRANCH_LOGICAL_SIZE_LIMIT_MIB * 1024 * 1024,
        "store_passwords": project.store_passwords,
        "cpu_used_sec": 0,
        "creation_source": CREATION_SOURCE,
        "history_retention_seconds": project.history_retention_seconds,
        "created_at": rfc3339(project.created_at),
        "updated_at": rfc3339(project.updated_at),
        "synthetic_storage_size": 0,
        # Neon: an organization's project is owned by the organization.
        "owner_id": project.org_id or project.owner_id,
        "quota_reset_at": rfc3339(month_bounds(project.created_at)[1]),
    }
    return _optional(payload, org_id=project.org_id)


def project_json(project: Project, plan: Plan) -> JSON:
    start, end = month_bounds(project.created_at)
    payload = _project_common(project)
    payload.update(
        {
            "active_time_seconds": 0,
            "compute_time_seconds": 0,
            "written_data_bytes": 0,
            "data_transfer_bytes": 0,
            "data_storage_bytes_hour": 0,
            "consumption_period_start": rfc3339(start),
            "consumption_period_end": rfc3339(end),
            "owner": {
                "email": "emulator@example.com",
                "name": "Neon Emulator",
                "branches_limit": plan.max_branches,
                "subscription_type": plan.subscription_type,
            },
        }
    )
    return payload


def project_list_item_json(project: Project) -> JSON:
    payload = _project_common(project)
    payload["active_time"] = 0
    return payload


def branch_json(branch: Branch) -> JSON:
    payload: JSON = {
        "id": branch.id,
        "project_id": branch.project_id,
        "name": branch.name,
        "current_state": branch.state.current,
        "state_changed_at": rfc3339(branch.state.changed_at),
        "logical_size": branch.logical_size,
        "creation_source": CREATION_SOURCE,
        "primary": branch.default,
        "default": branch.default,
        "protected": branch.protected,
        "cpu_used_sec": 0,
        "compute_time_seconds": 0,
        "active_time_seconds": 0,
        "written_data_bytes": 0,
        "data_transfer_bytes": 0,
        "created_at": rfc3339(branch.created_at),
        "updated_at": rfc3339(branch.updated_at),
        "init_source": branch.init_source,
    }
    return _optional(
        payload,
        parent_id=branch.parent_id,
        parent_lsn=branch.parent_lsn,
        parent_timestamp=_time(branch.parent_timestamp),
        pending_state=branch.state.pending,
        expires_at=_time(branch.expires_at),
        ttl_interval_seconds=branch.ttl_interval_seconds,
        last_reset_at=_time(branch.last_reset_at),
        restore_status=branch.restore_status,
        restored_from=branch.restored_from,
        restored_as=branch.restored_as,
    )


def snapshot_json(snapshot: Snapshot) -> JSON:
    payload: JSON = {
        "id": snapshot.id,
        "name": snapshot.name,
        "created_at": rfc3339(snapshot.created_at),
        "lsn": snapshot.lsn,
        "timestamp": rfc3339(snapshot.timestamp),
        "source_branch_id": snapshot.source_branch_id,
        "manual": snapshot.manual,
        "full_size": snapshot.full_size,
    }
    return _optional(payload, expires_at=_time(snapshot.expires_at))


def annotation_json(branch: Branch) -> JSON:
    return {
        "object": {"type": "console/branch", "id": branch.id},
        "value": dict(branch.annotation),
        "created_at": rfc3339(branch.created_at),
        "updated_at": rfc3339(branch.updated_at),
    }


def endpoint_json(endpoint: Endpoint) -> JSON:
    payload: JSON = {
        "host": endpoint.host,
        "id": endpoint.id,
        "project_id": endpoint.project_id,
        "branch_id": endpoint.branch_id,
        "autoscaling_limit_min_cu": endpoint.autoscaling_limit_min_cu,
        "autoscaling_limit_max_cu": endpoint.autoscaling_limit_max_cu,
        "region_id": endpoint.region_id,
        "type": endpoint.type,
        "current_state": endpoint.state.current,
        "settings": endpoint.settings.model_dump(exclude_none=True),
        "pooler_enabled": endpoint.pooler_enabled,
        "pooler_mode": endpoint.pooler_mode,
        "disabled": endpoint.disabled,
        "passwordless_access": endpoint.passwordless_access,
        "creation_source": CREATION_SOURCE,
        "created_at": rfc3339(endpoint.created_at),
        "updated_at": rfc3339(endpoint.updated_at),
        "proxy_host": region_domain(endpoint.region_id),
        "suspend_timeout_seconds": endpoint.suspend_timeout_seconds,
        "provisioner": endpoint.provisioner,
    }
    return _optional(
        payload,
        name=endpoint.name,
        pending_state=endpoint.state.pending,
        started_at=_time(endpoint.started_at),
        suspended_at=_time(endpoint.suspended_at),
        last_active=_time(endpoint.started_at),
    )


def database_json(database: Database) -> JSON:
    return {
        "id": database.id,
        "branch_id": database.branch_id,
        "name": database.name,
        "owner_name": database.owner_name,
        "created_at": rfc3339(database.created_at),
        "updated_at": rfc3339(database.updated_at),
    }


def role_json(role: Role, *, password: str | None = None) -> JSON:
    """A role; `password` is included only when the caller passes it (create/reset responses)."""
    payload: JSON = {
        "branch_id": role.branch_id,
        "name": role.name,
        "protected": False,
        "authentication_method": "password" if role.login else "no_login",
        "created_at": rfc3339(role.created_at),
        "updated_at": rfc3339(role.updated_at),
    }
    return _optional(payload, password=password)


def operation_json(operation: Operation) -> JSON:
    payload: JSON = {
        "id": operation.id,
        "project_id": operation.project_id,
        "action": operation.action,
        "status": operation.status,
        "failures_count": operation.failures_count,
        "created_at": rfc3339(operation.created_at),
        "updated_at": rfc3339(operation.updated_at),
        "total_duration_ms": operation.total_duration_ms,
    }
    error = operation.error if operation.status == "failed" else None
    return _optional(payload, branch_id=operation.branch_id, endpoint_id=operation.endpoint_id, error=error)


def connection_json(details: ConnectionDetails) -> JSON:
    return {
        "connection_uri": details.uri,
        "connection_parameters": {
            "database": details.database,
            "password": details.password,
            "role": details.role,
            "host": details.host,
            "pooler_host": details.pooler_host or pooler_host(details.host),
        },
    }
