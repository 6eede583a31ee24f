"""How `NeonProject` comes into being: never twice, never half-made and forgotten.

1. **Look before creating.** Neon allows several projects with one name, so a lost state, a wrong
   backend or an earlier failure could make `pulumi up` create a second one. One list call asks for
   projects with this exact name in the target organization; if there is one, nothing is created and
   the error names its id and creation time and the two ways out: adopt it (`neon.adoptProjectId`) or
   delete it.
2. **Create in one call** (project, default branch, compute, database, owner role), then wait for
   Neon's operations.
3. **Delete what it made** if they fail (an operation ends failed, the wait times out, polls keep
   failing): the project is brand new and empty, so removing it loses nothing and leaves nothing
   behind, and the next `pulumi up` starts clean. The error names the project's id either way; if the
   delete fails too, it says so, and the next `up` finds the project by name (step 1) instead of
   making a second one.
4. **Protect the default branch** (one PATCH). A failure here keeps the project (it is complete) with
   `default_branch_protected: false`; the component's `NeonBranch` applies the protection again.

What came with the project is handed on as outputs (`default_database_id`, and the owner's password
and connection URI as secrets), so the branch, database and role resources adopt them without a call.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from infra.config.keys import key_name
from infra.neon import errors
from infra.neon.models import BranchUpdate, CreatedProject, Project, ProjectBranchSpec, ProjectCreate
from infra.providers.base import warn
from infra.providers.errors import ProviderError

if TYPE_CHECKING:
    from infra.neon import NeonClient
    from infra.providers.project import ProjectProps

ADOPT_KEY = key_name("neon", "adoptProjectId")


def _when(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def refuse_if_named_project_exists(client: NeonClient, p: ProjectProps) -> None:
    """Step 1: one list call; a project with this name that the state does not know stops the create."""
    org = p.org_id or client.settings.org_id
    existing = client.projects_named(p.name, org_id=org)
    if not existing:
        return
    where = f"organization {org}" if org else "the API key's account"
    found = ", ".join(f"{project.id} (created {_when(project.created_at)})" for project in existing)
    raise ProviderError(
        f"a Neon project named {p.name!r} already exists in {where} and this stack's state does not know it: "
        f"{found}; nothing was created",
        hint=f"adopt it (set {ADOPT_KEY}: {existing[-1].id} in this stack's file) or delete it in the "
        "Neon console, then run `pulumi up` again",
    )


def create_new(client: NeonClient, p: ProjectProps) -> CreatedProject:
    """Steps 2 and 3: one POST, then the wait; a failed wait deletes the project again and raises."""
    created = client.create_project(
        ProjectCreate(
            name=p.name,
            region_id=p.region_id,
            pg_version=p.pg_version,
            org_id=p.org_id,
            history_retention_seconds=p.history_retention_seconds,
            store_passwords=True,  # role passwords can be revealed again (lost-response recovery)
            branch=ProjectBranchSpec(name=p.default_branch_name, database_name=p.database_name, role_name=p.role_name),
            default_endpoint_settings=p.endpoint_settings(),
            settings=p.ip_settings() if p.allowed_ips else None,
        ),
        wait=False,
    )
    try:
        operations = client.wait_for_operations(created.project.id, created.operations)
    except errors.NeonError as exc:
        raise _undo(client, created.project, exc) from None
    return created.model_copy(update={"operations": operations})


def _undo(client: NeonClient, project: Project, cause: errors.NeonError) -> ProviderError:
    made = f"created Neon project {project.id} ({project.name!r}, {_when(project.created_at)}) but {cause.message}"
    try:
        # Not waited for: once Neon accepted the delete, the project is going (its operations may be
        # what keeps failing), and the next `up`'s lookup sees whatever remains.
        client.delete_project(project.id, wait=False)
    except errors.NeonError as exc:
        return ProviderError(
            f"{made}; deleting the half-made project failed too: {exc.message}",
            hint=f"delete project {project.id} in the Neon console (or adopt it: {ADOPT_KEY}: {project.id}), "
            "then run `pulumi up` again",
        )
    return ProviderError(
        f"{made}; the half-made project was deleted again, nothing is left behind",
        hint="run `pulumi up` again" + (f" ({cause.hint})" if cause.hint else ""),
    )


def protect(client: NeonClient, project_id: str, branch_id: str, p: ProjectProps) -> bool:
    """Step 4: protect the default branch if asked; False (and a warning) if Neon did not do it."""
    if not p.protect_default_branch:
        return False
    try:
        client.update_branch(project_id, branch_id, BranchUpdate(protected=True))
    except errors.NeonError as exc:
        warn(f"project {project_id} was created but protecting its default branch failed: {exc.message}")
        return False
    return True


def handed_on(created: CreatedProject, role_name: str, database_name: str) -> dict[str, Any]:
    """What the branch, database and role resources adopt without a call (secrets as plain strings)."""
    database = next((d for d in created.databases if d.name == database_name), None)
    role = next((r for r in created.roles if r.name == role_name), None)
    uri = next(
        (
            u.connection_uri.get_secret_value()
            for u in created.connection_uris
            if (u.connection_parameters.role, u.connection_parameters.database) == (role_name, database_name)
        ),
        None,
    )
    return {
        "default_branch_current_name": created.branch.name,
        "default_database_id": database.id if database else None,
        "owner_password": role.password.get_secret_value() if role and role.password else None,
        "connection_uri": uri,
    }
