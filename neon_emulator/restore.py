"""Branch restore: reset from the parent, restore from another branch, or restore a branch onto its
own history (PITR), optionally preserving the old state under a new branch name."""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.branches import ensure_name_free
from neon_emulator.builders import copy_database, copy_role, new_branch
from neon_emulator.core import BackendCore, synchronized
from neon_emulator.errors import BadRequest, Unprocessable
from neon_emulator.models import Branch, Database, Project, Role, Transition
from neon_emulator.operations import OpStep
from neon_emulator.requests import BranchRestoreRequest
from neon_emulator.results import BranchChanged
from neon_emulator.rules import check_branch_quota, resolve_point
from neon_emulator.timeutil import format_lsn, lsn_at


class RestoreMixin(BackendCore):
    @synchronized
    def restore_project_branch(self, project_id: str, branch_id: str, request: BranchRestoreRequest) -> BranchChanged:
        project, now = self._project(project_id), self.now()
        target = self._branch(project, branch_id)
        source = self._branch(project, request.source_branch_id)
        onto_itself = source.id == target.id
        if target.protected:
            raise Unprocessable(f"branch {branch_id} is protected and cannot be reset or restored")
        if onto_itself and request.source_timestamp is None and request.source_lsn is None:
            raise BadRequest("restoring a branch onto its own history needs source_timestamp or source_lsn")
        if onto_itself and request.preserve_under_name is None:
            raise BadRequest("restoring a branch onto its own history needs preserve_under_name")
        if project.children_of(target.id) and request.preserve_under_name is None:
            raise BadRequest(f"branch {branch_id} has child branches: pass preserve_under_name to keep them")
        if request.preserve_under_name is not None:
            ensure_name_free(project, request.preserve_under_name)
            check_branch_quota(self._plan_of(project), project)
        point = resolve_point(project, source, request.source_timestamp, request.source_lsn, now, prefix="source")
        self._ensure_unlocked(project)

        steps: list[OpStep] = []
        if request.preserve_under_name is not None:
            preserved = self._preserve(project, target, request.preserve_under_name, now)
            steps.append(OpStep("create_branch", preserved.id))
        if not onto_itself:
            # A plain server has no history: restoring onto itself keeps the current data (see pgbacking).
            self._replace_contents(source, target, point, now)
            target.parent_id = source.id
        target.parent_timestamp = point
        target.parent_lsn = format_lsn(lsn_at(project.created_at, point))
        target.last_reset_at = target.updated_at = now
        if target.ttl_interval_seconds is not None:  # Neon restarts the TTL countdown on reset
            target.expires_at = now + target.ttl_interval_seconds
        steps.append(OpStep("create_timeline", target.id))
        operations = self._schedule(project, steps)
        target.state = Transition("resetting", changed_at=now)
        target.state.move("ready", operations[-1].end_at, now)
        return deepcopy(BranchChanged(target, operations))

    def _preserve(self, project: Project, target: Branch, name: str, now: float) -> Branch:
        """Keep the branch's current state as a new branch that also adopts its children."""
        preserved = new_branch(self.ids, project, name, now)
        preserved.parent_id, preserved.parent_lsn = target.parent_id, target.parent_lsn
        preserved.parent_timestamp = target.parent_timestamp
        preserved.state = Transition("ready", changed_at=now)
        preserved.roles, preserved.databases = self._copy_objects(
            target.id, target.roles.values(), target.databases.values(), preserved.id, now=now
        )
        for child in project.children_of(target.id):
            child.parent_id = preserved.id
        project.branches[preserved.id] = preserved
        return preserved

    def _replace_contents(self, source: Branch, target: Branch, point: float, now: float) -> None:
        """Make `target` hold `source`'s roles and databases as of `point`.

        Roles the target already had keep their passwords (Neon keeps the child's credentials).
        Everything is stamped with the restore's own `now` (= `last_reset_at`): with real PostgreSQL
        the copies take time, and a later stamp would put the databases after the branch's
        history start, so a branch from that start would have none.
        """
        roles: dict[str, Role] = {}
        for role in source.roles.values():
            if role.created_at > point:
                continue
            kept = target.roles.get(role.name)
            if kept is not None and (kept.password is None) == (role.password is None):
                roles[role.name] = kept
            else:
                renew = source.protected and role.password is not None
                roles[role.name] = copy_role(role, target.id, now, self.ids.password() if renew else role.password)
        databases: dict[str, Database] = {
            d.name: copy_database(self.ids, d, target.id, now)
            for d in source.databases.values()
            if d.created_at <= point and d.owner_name in roles
        }
        if self.postgres is not None:
            for name in target.databases:
                self.postgres.drop_database(target.id, name)
            for name in target.roles:
                if roles.get(name) is not target.roles[name]:
                    self.postgres.drop_role(target.id, name, [])
            for role in roles.values():
                if target.roles.get(role.name) is not role:
                    self.postgres.create_role(target.id, role.name, role.password)
            self.postgres.copy_databases(
                source.id, target.id, [(d.name, d.owner_name) for d in databases.values()], list(roles)
            )
        target.roles, target.databases = roles, databases
