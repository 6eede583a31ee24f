"""Endpoint (compute) operations: create, list, get, update, delete, start, suspend, restart.

Autosuspend after `suspend_timeout_seconds` is not modelled: an endpoint stays active until suspended.
"""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.builders import new_endpoint
from neon_emulator.core import BackendCore, synchronized
from neon_emulator.errors import BadRequest, Conflict, Unprocessable
from neon_emulator.models import Endpoint, Project
from neon_emulator.operations import OpStep
from neon_emulator.requests import EndpointCreateRequest, EndpointUpdateRequest
from neon_emulator.results import EndpointChanged
from neon_emulator.rules import check_compute


def _ensure_single_writer(project: Project, branch_id: str, endpoint_type: str, exclude: str | None = None) -> None:
    existing = project.read_write_endpoint(branch_id)
    if endpoint_type == "read_write" and existing is not None and existing.id != exclude:
        raise Conflict(f"branch {branch_id} already has a read_write endpoint ({existing.id})")


def running(endpoint: Endpoint) -> bool:
    return endpoint.state.current != "idle" or endpoint.state.pending is not None


class EndpointsMixin(BackendCore):
    def _transition(self, project: Project, endpoint: Endpoint, actions: list[str], final: str) -> EndpointChanged:
        operations = self._schedule(project, [OpStep(a, endpoint.branch_id, endpoint.id) for a in actions])
        endpoint.updated_at = self.now()
        if operations:
            endpoint.state.move(final, operations[-1].end_at, self.now())
        return deepcopy(EndpointChanged(endpoint, operations))

    @synchronized
    def create_project_endpoint(self, project_id: str, request: EndpointCreateRequest) -> EndpointChanged:
        project, spec = self._project(project_id), request.endpoint
        self._branch(project, spec.branch_id)
        if spec.region_id is not None and spec.region_id != project.region_id:
            raise BadRequest(f"region_id {spec.region_id!r} must match the project's region {project.region_id!r}")
        _ensure_single_writer(project, spec.branch_id, spec.type)
        endpoint = new_endpoint(
            self.ids, self._plan_of(project), project, branch_id=spec.branch_id, options=spec, now=self.now()
        )
        self._ensure_unlocked(project)
        project.endpoints[endpoint.id] = endpoint
        if endpoint.disabled:
            endpoint.state.current = "idle"
            return deepcopy(EndpointChanged(endpoint, []))
        return self._transition(project, endpoint, ["start_compute"], "active")

    @synchronized
    def list_project_endpoints(self, project_id: str) -> list[Endpoint]:
        return deepcopy(list(self._project(project_id).endpoints.values()))

    @synchronized
    def get_project_endpoint(self, project_id: str, endpoint_id: str) -> Endpoint:
        project = self._project(project_id)
        return deepcopy(self._endpoint(project, endpoint_id))

    @synchronized
    def update_project_endpoint(
        self, project_id: str, endpoint_id: str, request: EndpointUpdateRequest
    ) -> EndpointChanged:
        project = self._project(project_id)
        endpoint, change = self._endpoint(project, endpoint_id), request.endpoint
        if change.branch_id is not None and change.branch_id != endpoint.branch_id:
            self._branch(project, change.branch_id)
            _ensure_single_writer(project, change.branch_id, endpoint.type, exclude=endpoint.id)
        min_cu = change.autoscaling_limit_min_cu or endpoint.autoscaling_limit_min_cu
        max_cu = change.autoscaling_limit_max_cu or endpoint.autoscaling_limit_max_cu
        check_compute(self._plan_of(project), min_cu, max_cu)
        self._ensure_unlocked(project)
        endpoint.autoscaling_limit_min_cu, endpoint.autoscaling_limit_max_cu = min_cu, max_cu
        for name in (
            "branch_id",
            "settings",
            "provisioner",
            "pooler_enabled",
            "pooler_mode",
            "disabled",
            "passwordless_access",
            "suspend_timeout_seconds",
            "name",
        ):
            value = getattr(change, name)
            if value is not None:
                setattr(endpoint, name, value)
        if change.disabled and running(endpoint):
            return self._transition(project, endpoint, ["suspend_compute"], "idle")
        # Neon wakes an idle compute briefly to apply the new configuration.
        return self._transition(project, endpoint, ["apply_config"], endpoint.state.pending or endpoint.state.current)

    @synchronized
    def delete_project_endpoint(self, project_id: str, endpoint_id: str) -> EndpointChanged | None:
        """Delete an endpoint; None when it was already deleted (Neon answers 204)."""
        project = self._project(project_id)
        if endpoint_id not in project.endpoints and endpoint_id in project.gone:
            return None
        endpoint = self._endpoint(project, endpoint_id)
        if project.branches[endpoint.branch_id].protected:
            raise Unprocessable(
                f"endpoint {endpoint_id} belongs to protected branch {endpoint.branch_id} and cannot be deleted"
            )
        steps = ["suspend_compute"] if running(endpoint) else []
        if steps:
            self._ensure_unlocked(project)
        del project.endpoints[endpoint_id]
        project.gone.add(endpoint_id)
        return self._transition(project, endpoint, steps, "idle")

    @synchronized
    def start_project_endpoint(self, project_id: str, endpoint_id: str) -> EndpointChanged:
        project = self._project(project_id)
        endpoint = self._endpoint(project, endpoint_id)
        if endpoint.disabled:
            raise Unprocessable(f"endpoint {endpoint_id} is disabled and cannot be started")
        self._ensure_unlocked(project)
        return self._transition(project, endpoint, ["start_compute"], "active")

    @synchronized
    def suspend_project_endpoint(self, project_id: str, endpoint_id: str) -> EndpointChanged:
        project = self._project(project_id)
        endpoint = self._endpoint(project, endpoint_id)
        self._ensure_unlocked(project)
        return self._transition(project, endpoint, ["suspend_compute"], "idle")

    @synchronized
    def restart_project_endpoint(self, project_id: str, endpoint_id: str) -> EndpointChanged:
        project = self._project(project_id)
        endpoint = self._endpoint(project, endpoint_id)
        if endpoint.disabled:
            raise Unprocessable(f"endpoint {endpoint_id} is disabled and cannot be restarted")
        self._ensure_unlocked(project)
        return self._transition(project, endpoint, ["suspend_compute", "start_compute"], "active")
