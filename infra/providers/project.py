"""`NeonProject`: a Neon project with its default branch, database and role, in the fewest calls.

One POST creates the project, its default branch, compute, database and role (Neon's create_project
takes `branch{name, database_name, role_name}`); one PATCH protects the default branch. Before it, one
list call makes sure no project of that name exists already; after it, a failed create deletes what it
made (`project_create.py` has the whole story). Retention, endpoint defaults and the IP allow list are
project settings updated in place; region, pg version and organisation can only change by replacing
the project (which loses its data: production resources are `protect`ed, and `pr-diff` flags every
replacement).

`adopt_project_id` takes over an existing project by id instead of creating one (dynamic resources
cannot be `pulumi import`ed); its region and pg version must match the settings.

Once the project is complete, nothing here raises without returning its id: if protecting the default
branch fails, the id is kept with `default_branch_protected: false`, a warning is printed, and the
component's `NeonBranch` for the default branch applies the protection (or fails loudly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult
from pydantic import Field

from infra.config.plans import ComputeUnits, PgVersion, RetentionSeconds, SuspendTimeoutSeconds
from infra.neon import errors
from infra.providers.base import ProviderProps, TypedProvider
from infra.providers.errors import ProviderError

if TYPE_CHECKING:
    from infra.config import NeonProjectSettings
    from infra.neon import NeonClient
    from infra.neon.models import DefaultEndpointSettings, Project, ProjectSettings, ProjectUpdate


class ProjectProps(ProviderProps):
    name: str = Field(min_length=1, max_length=256)
    region_id: str
    pg_version: PgVersion
    org_id: str | None = None
    history_retention_seconds: RetentionSeconds
    default_branch_name: str = "main"
    database_name: str
    role_name: str
    protect_default_branch: bool = True
    autoscaling_min_cu: ComputeUnits
    autoscaling_max_cu: ComputeUnits
    suspend_timeout_seconds: SuspendTimeoutSeconds
    allowed_ips: list[str] = Field(default_factory=list)
    allowed_ips_protected_branches_only: bool = True
    adopt_project_id: str | None = None

    @classmethod
    def from_settings(cls, neon: NeonProjectSettings) -> ProjectProps:
        """The stack file's `neon` section as the project's inputs: the one place settings become props."""
        return cls(
            name=neon.project_name,
            region_id=neon.region_id,
            pg_version=neon.pg_version,
            org_id=neon.org_id,
            history_retention_seconds=neon.history_retention_seconds,
            default_branch_name=neon.default_branch,
            database_name=neon.database,
            role_name=neon.role,
            protect_default_branch=neon.protect_default_branch,
            autoscaling_min_cu=neon.autoscaling.min_cu,
            autoscaling_max_cu=neon.autoscaling.max_cu,
            suspend_timeout_seconds=neon.suspend_timeout_seconds,
            allowed_ips=neon.allowed_ips,
            allowed_ips_protected_branches_only=neon.allowed_ips_protected_branches_only,
            adopt_project_id=neon.adopt_project_id,
        )

    def endpoint_settings(self) -> DefaultEndpointSettings:
        from infra.neon.models import DefaultEndpointSettings

        return DefaultEndpointSettings(
            autoscaling_limit_min_cu=self.autoscaling_min_cu,
            autoscaling_limit_max_cu=self.autoscaling_max_cu,
            suspend_timeout_seconds=self.suspend_timeout_seconds,
        )

    def ip_settings(self) -> ProjectSettings:
        from infra.neon.models import AllowedIps, ProjectSettings

        return ProjectSettings(
            allowed_ips=AllowedIps(
                ips=self.allowed_ips, protected_branches_only=self.allowed_ips_protected_branches_only
            )
        )


SECRET_OUTPUTS = ["owner_password", "connection_uri"]
_ENDPOINT_FIELDS = frozenset({"autoscaling_min_cu", "autoscaling_max_cu", "suspend_timeout_seconds"})
_IP_FIELDS = frozenset({"allowed_ips", "allowed_ips_protected_branches_only"})


class NeonProjectProvider(TypedProvider):
    props_model = ProjectProps
    replace_on: ClassVar[frozenset[str]] = frozenset({"region_id", "pg_version", "org_id", "adopt_project_id"})
    # Names of the default branch, database and role are set at creation; afterwards the
    # component's NeonBranch/NeonDatabase/NeonRole resources own them (and branch protection).
    create_only: ClassVar[frozenset[str]] = frozenset(
        {"default_branch_name", "database_name", "role_name", "protect_default_branch"}
    )

    def create(self, props: dict[str, Any]) -> CreateResult:
        # Imported here, with the API models it needs: the program and previews never need them.
        from infra.providers.project_create import create_new, handed_on, protect, refuse_if_named_project_exists

        p = ProjectProps.from_values(props)
        with self.client() as client:
            if p.adopt_project_id:
                return self._adopt(client, p)
            refuse_if_named_project_exists(client, p)
            created = create_new(client, p)
            endpoint = next((e for e in created.endpoints if e.type == "read_write"), None)
            outs = _outputs(
                p,
                created.project,
                created.branch.id,
                endpoint.id if endpoint else None,
                endpoint.host if endpoint else None,
            )
            outs |= handed_on(created, p.role_name, p.database_name)
            outs["default_branch_protected"] = protect(client, created.project.id, created.branch.id, p)
        return CreateResult(created.project.id, outs)

    def _adopt(self, client: NeonClient, p: ProjectProps) -> CreateResult:
        from infra.providers.project_create import ADOPT_KEY, protect

        project = client.get_project(str(p.adopt_project_id))
        mismatched = [
            f"{field} is {getattr(project, field)!r}, settings say {getattr(p, field)!r}"
            for field in ("region_id", "pg_version")
            if getattr(project, field) != getattr(p, field)
        ]
        if mismatched:
            raise ProviderError(
                f"cannot adopt Neon project {project.id}: " + "; ".join(mismatched),
                hint=f"{ADOPT_KEY} must name a project in the stack file's region and Postgres version",
            )
        branch = next(b for b in client.list_branches(project.id) if b.default)
        endpoint = next(
            (e for e in client.list_endpoints(project.id, branch_id=branch.id) if e.type == "read_write"),
            None,
        )
        current = _outputs(p, project, branch.id, None, None)
        update = _project_update(p, self.changed_fields(current, p.model_dump()))
        if update is not None:
            project = client.update_project(project.id, update)
        outs = _outputs(p, project, branch.id, endpoint.id if endpoint else None, endpoint.host if endpoint else None)
        outs["default_branch_current_name"] = branch.name
        outs["default_branch_protected"] = branch.protected or protect(client, project.id, branch.id, p)
        return CreateResult(project.id, outs)

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> set[str]:
        """As for every provider, except that an unset `org_id` means "wherever the project is".

        Without `neon.orgId` a project is created in NEON_ORG_ID's organization (or the key's own
        account) and Neon reports that organization back: comparing it with the unset input would
        plan a replacement of the whole project on the next preview.
        """
        changed = super().changed_fields(olds, news)
        return changed - {"org_id"} if news.get("org_id") is None else changed

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with self.client() as client:
            try:
                project = client.get_project(id_)
            except errors.NotFoundError:
                return ReadResult(None, {})
        return ReadResult(id_, {**props, **_server_view(project)})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from infra.neon.models import EndpointUpdate

        p = ProjectProps.from_values(news)
        changed = self.changed_fields(olds, news)
        with self.client() as client:
            update = _project_update(p, changed)
            project = client.update_project(id_, update) if update is not None else None
            # Endpoint defaults only apply to new computes; the existing one is updated too.
            if changed & _ENDPOINT_FIELDS and olds.get("default_endpoint_id"):
                client.update_endpoint(
                    id_,
                    str(olds["default_endpoint_id"]),
                    EndpointUpdate(
                        autoscaling_limit_min_cu=p.autoscaling_min_cu,
                        autoscaling_limit_max_cu=p.autoscaling_max_cu,
                        suspend_timeout_seconds=p.suspend_timeout_seconds,
                    ),
                )
        outs = {**olds, **news}
        if project is not None:
            outs.update(_server_view(project))
        return UpdateResult(outs)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        self.delete_ignoring_gone(lambda client: client.delete_project(id_))


def _project_update(p: ProjectProps, changed: set[str]) -> ProjectUpdate | None:
    """Only what changed: never echo values the server computed."""
    from infra.neon.models import ProjectUpdate

    fields: dict[str, Any] = {}
    if "name" in changed:
        fields["name"] = p.name
    if "history_retention_seconds" in changed:
        fields["history_retention_seconds"] = p.history_retention_seconds
    if changed & _ENDPOINT_FIELDS:
        fields["default_endpoint_settings"] = p.endpoint_settings()
    if changed & _IP_FIELDS:
        fields["settings"] = p.ip_settings()
    return ProjectUpdate(**fields) if fields else None


def _server_view(project: Project) -> dict[str, Any]:
    """The user-settable fields as Neon reports them (refresh shows drift in these)."""
    view: dict[str, Any] = {
        "name": project.name,
        "region_id": project.region_id,
        "pg_version": project.pg_version,
        "org_id": project.org_id,
        "history_retention_seconds": project.history_retention_seconds,
    }
    defaults = project.default_endpoint_settings
    if defaults is not None:
        view["autoscaling_min_cu"] = defaults.autoscaling_limit_min_cu
        view["autoscaling_max_cu"] = defaults.autoscaling_limit_max_cu
        view["suspend_timeout_seconds"] = defaults.suspend_timeout_seconds
    ips = project.settings.allowed_ips if project.settings else None
    view["allowed_ips"] = list(ips.ips or []) if ips else []
    # With no addresses the flag has no effect, and Neon reports its default (false) for it.
    if ips is not None and ips.ips and ips.protected_branches_only is not None:
        view["allowed_ips_protected_branches_only"] = ips.protected_branches_only
    return view


def _outputs(
    p: ProjectProps, project: Project, branch_id: str, endpoint_id: str | None, host: str | None
) -> dict[str, Any]:
    return {
        **p.model_dump(),
        **_server_view(project),
        "project_id": project.id,
        "default_branch_id": branch_id,
        "default_endpoint_id": endpoint_id,
        "host": host,
    }


class NeonProject(Resource, module="neon", name="Project"):
    """A Neon project (see the module docstring); the owner's password and connection URI are secrets."""

    project_id: pulumi.Output[str]
    default_branch_id: pulumi.Output[str]
    default_endpoint_id: pulumi.Output[str]
    host: pulumi.Output[str]
    history_retention_seconds: pulumi.Output[int]
    default_branch_protected: pulumi.Output[bool]
    default_branch_current_name: pulumi.Output[str | None]
    default_database_id: pulumi.Output[int | None]
    owner_password: pulumi.Output[str | None]
    connection_uri: pulumi.Output[str | None]

    def __init__(self, name: str, props: ProjectProps, opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(
            (
                "project_id",
                "default_branch_id",
                "default_endpoint_id",
                "host",
                "default_branch_protected",
                "default_branch_current_name",
                "default_database_id",
                "owner_password",
                "connection_uri",
            )
        )
        secret = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(
            NeonProjectProvider(), name, {**props.model_dump(), **outputs}, pulumi.ResourceOptions.merge(opts, secret)
        )
