"""`NeonEnvironment`: an environment's Neon project → default-branch protection → database → role."""

from __future__ import annotations

import pulumi

from infra.components.outputs import DatabaseOutputs
from infra.config import NeonProjectSettings
from infra.providers.backup_schedule import BackupScheduleProps, NeonBackupSchedule
from infra.providers.branch import NeonBranch
from infra.providers.database import NeonDatabase
from infra.providers.project import NeonProject, ProjectProps
from infra.providers.role import NeonRole


class NeonEnvironment(pulumi.ComponentResource):
    """One Neon project for one environment, its protected default branch, database and owner role, and
    the backup schedule of that branch (when the stack file declares one).

    Neon creates the default branch, database and role together with the project (one call); the
    branch, database and role resources then adopt those objects, so that each is reviewed, diffed
    and refreshed (one GET each) on its own. The project hands on what its create returned (the
    branch's protection, the database's id, the owner's password and URI as secrets), so adopting
    them after a create costs no call. With `protect=True` (production) none of them can be
    deleted or replaced by Pulumi, on top of Neon's own branch protection.

    Its type token stays `workshelf:neon:Database`: it is part of every child's URN in the state.
    """

    def __init__(
        self, name: str, neon: NeonProjectSettings, *, protect: bool, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("workshelf:neon:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, protect=protect)
        self.project = NeonProject(
            f"{name}-project",
            ProjectProps.from_settings(neon),
            child,
        )
        # Resource ids, not output properties: the engine keeps ids known in previews, while an
        # updating dynamic resource's other outputs are unknown until it has run. Keyed on ids, a
        # retention change previews as one update instead of a cascade of false replacements.
        project_id = self.project.id
        self.branch = NeonBranch(
            f"{name}-default-branch",
            project_id=project_id,
            branch_name=neon.default_branch,
            protected=neon.protect_default_branch,
            adopt_branch_id=self.project.default_branch_id,
            adopt_branch_name=self.project.default_branch_current_name,
            adopt_branch_protected=self.project.default_branch_protected,
            opts=child,
        )
        self.database = NeonDatabase(
            f"{name}-database",
            project_id=project_id,
            branch_id=self.branch.id,
            database_name=neon.database,
            owner_name=neon.role,
            adopt_existing=True,
            adopt_database_id=self.project.default_database_id,
            opts=child,
        )
        self.role = NeonRole(
            f"{name}-owner-role",
            project_id=project_id,
            branch_id=self.branch.id,
            role_name=neon.role,
            database_name=neon.database,
            adopt_existing=True,
            adopt_password=self.project.owner_password,
            adopt_connection_uri=self.project.connection_uri,
            opts=pulumi.ResourceOptions(parent=self, protect=protect, depends_on=[self.database]),
        )
        schedule = BackupScheduleProps.schedule_from_settings(neon)
        if schedule:  # removing every entry deletes the resource, which turns Neon's schedule off
            self.backup_schedule = NeonBackupSchedule(
                f"{name}-backup-schedule",
                project_id=project_id,
                branch_id=self.branch.id,
                schedule=schedule,
                opts=child,
            )
        self.outputs = DatabaseOutputs(
            database_url=pulumi.Output.secret(self.role.connection_uri),
            host=self.project.host,
            database=pulumi.Output.from_input(neon.database),
            role=pulumi.Output.from_input(neon.role),
            neon_project_id=project_id,
            neon_branch_id=self.branch.id,
        )
        self.register_outputs({"neon_project_id": project_id, "neon_branch_id": self.branch.id})
