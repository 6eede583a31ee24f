"""Roles on a branch and their passwords."""

from __future__ import annotations

from typing import Literal, overload

from pydantic import SecretStr

from infra.neon import errors
from infra.neon._databases import DatabasesAPI
from infra.neon._http import Call, Safety
from infra.neon.models._envelopes import RoleEnvelope, RoleList, RolePassword, RolePasswordEnvelope
from infra.neon.models.roles import Role, RoleCreate, RoleWithPassword


class RolesAPI(DatabasesAPI):
    @overload
    def create_role(
        self,
        project_id: str,
        branch_id: str,
        *,
        name: str,
        no_login: Literal[False] = False,
        wait: bool = True,
    ) -> RoleWithPassword: ...

    @overload
    def create_role(
        self, project_id: str, branch_id: str, *, name: str, no_login: Literal[True], wait: bool = True
    ) -> Role: ...

    def create_role(
        self, project_id: str, branch_id: str, *, name: str, no_login: bool = False, wait: bool = True
    ) -> Role:
        """createProjectBranchRole; a login role comes back with its password (RoleWithPassword).

        After a lost response the role is adopted and its password recovered: revealed, or reset
        if the project does not store passwords (412). A `no_login` role has no password.
        """
        pid = self._pid(project_id)
        spec = RoleCreate(name=name, no_login=no_login or None)
        path = f"{self._branch_path(project_id, branch_id)}/roles"
        call = Call("create_role", "POST", path, Safety.UNSAFE, body={"role": spec.to_body()})
        model: type[RoleEnvelope | RolePasswordEnvelope] = RoleEnvelope if no_login else RolePasswordEnvelope
        with self._project_lock(pid):
            envelope = self._post_safely(
                call, model, lambda _t: self._adopt_role(pid, branch_id, name, with_password=not no_login)
            )
            self._wait(call.operation, pid, envelope.operations, wait=wait)
        return envelope.role

    def get_role(self, project_id: str, branch_id: str, role_name: str) -> Role:
        """getProjectBranchRole (without the password)."""
        return self._get("get_role", self._role_path(project_id, branch_id, role_name), RoleEnvelope).role

    def list_roles(self, project_id: str, branch_id: str) -> list[Role]:
        """listProjectBranchRoles."""
        path = f"{self._branch_path(project_id, branch_id)}/roles"
        return self._get("list_roles", path, RoleList).roles

    def delete_role(self, project_id: str, branch_id: str, role_name: str, *, wait: bool = True) -> bool:
        """deleteProjectBranchRole; False if it was already gone."""
        path = self._role_path(project_id, branch_id, role_name)
        return self._delete("delete_role", path, RoleEnvelope, project_id=self._pid(project_id), wait=wait)

    def reveal_role_password(self, project_id: str, branch_id: str, role_name: str) -> SecretStr:
        """getProjectBranchRolePassword; PreconditionFailedError (412) if passwords are not stored."""
        path = f"{self._role_path(project_id, branch_id, role_name)}/reveal_password"
        return self._get("reveal_role_password", path, RolePassword).password

    def reset_role_password(
        self, project_id: str, branch_id: str, role_name: str, *, wait: bool = True
    ) -> RoleWithPassword:
        """resetProjectBranchRolePassword. The new password is valid once the operations finish.

        A reset whose response was lost is sent again: the second reset leaves a password we know,
        which is the point of a reset (revealing instead could return the old one).
        """
        pid = self._pid(project_id)
        path = f"{self._role_path(project_id, branch_id, role_name)}/reset_password"
        call = Call("reset_role_password", "POST", path, Safety.UNSAFE)
        with self._project_lock(pid):
            envelope = self._post_safely(call, RolePasswordEnvelope, lambda _t: None)
            self._wait(call.operation, pid, envelope.operations, wait=wait)
        return envelope.role

    def _adopt_role(
        self, pid: str, branch_id: str, role_name: str, *, with_password: bool
    ) -> RoleEnvelope | RolePasswordEnvelope | None:
        try:
            role = self.get_role(pid, branch_id, role_name)
        except errors.NotFoundError:
            return None
        if not with_password:
            return RoleEnvelope(role=role, operations=self._in_flight(pid, branch_id=branch_id))
        # The creating operations must finish before the password can be revealed or reset.
        self._wait("create_role", pid, self._in_flight(pid, branch_id=branch_id), wait=True)
        return RolePasswordEnvelope(role=self._with_password(pid, branch_id, role))

    def _with_password(self, pid: str, branch_id: str, role: Role) -> RoleWithPassword:
        """The role with its password: revealed if Neon stores it, otherwise reset (and waited for)."""
        try:
            password = self.reveal_role_password(pid, branch_id, role.name)
        except errors.PreconditionFailedError:
            return self.reset_role_password(pid, branch_id, role.name, wait=True)
        return RoleWithPassword.model_validate({**role.model_dump(), "password": password})

    def _role_path(self, project_id: str, branch_id: str, role_name: str) -> str:
        return f"{self._branch_path(project_id, branch_id)}/roles/{self._seg(role_name, 'role_name')}"
