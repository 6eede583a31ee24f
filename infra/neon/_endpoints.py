"""Endpoints (computes): create, read, update, delete, start and suspend."""

from __future__ import annotations

from infra.neon import errors
from infra.neon._http import Call, Safety
from infra.neon._operations import OperationsAPI
from infra.neon.models._envelopes import EndpointEnvelope, EndpointList
from infra.neon.models.endpoints import Endpoint, EndpointCreate, EndpointUpdate

# A start or suspend whose response was lost is known to have applied if one of these is in flight.
_ACTION_OPERATIONS = {"start": "start_compute", "suspend": "suspend_compute"}
_ACTION_STATES = {"start": "active", "suspend": "idle"}


class EndpointsAPI(OperationsAPI):
    def create_endpoint(self, project_id: str, endpoint: EndpointCreate, *, wait: bool = True) -> Endpoint:
        """createProjectEndpoint. After a lost response the branch's read_write endpoint (or the
        read_only one with the requested name) is adopted; an unnamed read_only one cannot be."""
        pid = self._pid(project_id)
        call = Call(
            "create_endpoint",
            "POST",
            f"/projects/{pid}/endpoints",
            Safety.UNSAFE,
            body={"endpoint": endpoint.to_body()},
        )
        with self._project_lock(pid):
            envelope = self._post_safely(call, EndpointEnvelope, lambda _t: self._adopt_endpoint(pid, endpoint))
            self._wait(call.operation, pid, envelope.operations, wait=wait)
        return envelope.endpoint

    def get_endpoint(self, project_id: str, endpoint_id: str) -> Endpoint:
        """getProjectEndpoint."""
        return self._get("get_endpoint", self._endpoint_path(project_id, endpoint_id), EndpointEnvelope).endpoint

    def list_endpoints(self, project_id: str, branch_id: str | None = None) -> list[Endpoint]:
        """listProjectEndpoints, or listProjectBranchEndpoints when `branch_id` is given."""
        pid = self._pid(project_id)
        path = f"/projects/{pid}/endpoints"
        if branch_id is not None:
            path = f"/projects/{pid}/branches/{self._bid(branch_id)}/endpoints"
        return self._get("list_endpoints", path, EndpointList).endpoints

    def update_endpoint(
        self, project_id: str, endpoint_id: str, update: EndpointUpdate, *, wait: bool = True
    ) -> Endpoint:
        """updateProjectEndpoint: sends only the fields set on `update`."""
        path = self._endpoint_path(project_id, endpoint_id)
        return self._mutate(
            "update_endpoint",
            "PATCH",
            path,
            EndpointEnvelope,
            project_id=self._pid(project_id),
            body={"endpoint": update.to_body()},
            wait=wait,
        ).endpoint

    def delete_endpoint(self, project_id: str, endpoint_id: str, *, wait: bool = True) -> bool:
        """deleteProjectEndpoint; False if it was already gone (see the package docs)."""
        path = self._endpoint_path(project_id, endpoint_id)
        return self._delete("delete_endpoint", path, EndpointEnvelope, project_id=self._pid(project_id), wait=wait)

    def start_endpoint(self, project_id: str, endpoint_id: str, *, wait: bool = True) -> Endpoint:
        """startProjectEndpoint; with `wait`, returns the endpoint as it is once started."""
        return self._endpoint_action("start", project_id, endpoint_id, wait=wait)

    def suspend_endpoint(self, project_id: str, endpoint_id: str, *, wait: bool = True) -> Endpoint:
        """suspendProjectEndpoint; with `wait`, returns the endpoint as it is once suspended."""
        return self._endpoint_action("suspend", project_id, endpoint_id, wait=wait)

    def _endpoint_action(self, verb: str, project_id: str, endpoint_id: str, *, wait: bool) -> Endpoint:
        pid, path = self._pid(project_id), self._endpoint_path(project_id, endpoint_id)
        call = Call(f"{verb}_endpoint", "POST", f"{path}/{verb}", Safety.UNSAFE)
        with self._project_lock(pid):
            envelope = self._post_safely(
                call, EndpointEnvelope, lambda _t: self._action_applied(verb, pid, endpoint_id)
            )
            self._wait(call.operation, pid, envelope.operations, wait=wait)
            if not wait:
                return envelope.endpoint
            return self.get_endpoint(pid, endpoint_id)

    def _action_applied(self, verb: str, pid: str, endpoint_id: str) -> EndpointEnvelope | None:
        """A lost start/suspend applied if the state is reached or its operation is in flight."""
        endpoint = self.get_endpoint(pid, endpoint_id)
        ops = self._in_flight(pid, endpoint_id=endpoint.id)
        target = _ACTION_STATES[verb]
        reached = target in (endpoint.current_state, endpoint.pending_state)
        if reached or any(op.action == _ACTION_OPERATIONS[verb] for op in ops):
            return EndpointEnvelope(endpoint=endpoint, operations=ops)
        return None

    def _adopt_endpoint(self, pid: str, spec: EndpointCreate) -> EndpointEnvelope | None:
        endpoints = self.list_endpoints(pid, branch_id=spec.branch_id)
        if spec.type == "read_write":
            matches = [e for e in endpoints if e.type == "read_write"]
        elif spec.name:
            matches = [e for e in endpoints if e.type == spec.type and e.name == spec.name]
        else:
            raise errors.AmbiguousResultError(
                "the response was lost and an unnamed read_only endpoint cannot be identified; "
                f"list the endpoints of branch {spec.branch_id} before creating it again",
                operation="create_endpoint",
            )
        if not matches:
            return None
        endpoint = matches[0]
        return EndpointEnvelope(endpoint=endpoint, operations=self._in_flight(pid, endpoint_id=endpoint.id))

    def _endpoint_path(self, project_id: str, endpoint_id: str) -> str:
        return f"/projects/{self._pid(project_id)}/endpoints/{self._seg(endpoint_id, 'endpoint_id')}"
