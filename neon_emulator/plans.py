"""Neon plan limits, which plan applies to which organization, and the fixed region list the emulator accepts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    name: str
    max_history_seconds: int
    default_history_seconds: int
    max_branches: int
    max_protected_branches: int
    ip_allow: bool
    max_autoscaling_cu: float
    max_projects: int
    subscription_type: str
    # Backups (docs "Backup & restore"): manual snapshots per project; schedules on paid plans only.
    max_manual_snapshots: int
    backup_schedules: bool


PLANS: dict[str, Plan] = {
    "free": Plan("free", 21_600, 21_600, 10, 0, False, 2.0, 100, "free_v3", 1, False),
    "launch": Plan("launch", 604_800, 86_400, 10, 2, False, 16.0, 100, "launch_v3", 100, True),
    "scale": Plan("scale", 2_592_000, 86_400, 25, 5, True, 16.0, 1000, "scale_v3", 100, True),
}
ORG_ID = re.compile(r"^[a-z0-9-]{1,60}$")


def plan_named(name: str) -> Plan:
    if name not in PLANS:
        raise ValueError(f"unknown plan {name!r}; choose one of {', '.join(sorted(PLANS))}")
    return PLANS[name]


@dataclass
class PlanBook:
    """The plan of each organization. Projects without `org_id`, or in an organization nobody declared,
    get the default plan (`--plan`), so a single-plan emulator behaves as before."""

    default: Plan
    orgs: dict[str, Plan] = field(default_factory=dict)

    @classmethod
    def build(cls, default: str, orgs: Mapping[str, str] | None = None) -> PlanBook:
        book = cls(plan_named(default))
        book.set_orgs(orgs or {})
        return book

    def plan_for(self, org_id: str | None) -> Plan:
        return self.orgs.get(org_id, self.default) if org_id else self.default

    def set_orgs(self, orgs: Mapping[str, str]) -> None:
        """Declare (or re-declare) organizations and their plans; others keep theirs."""
        checked = {}
        for org_id, name in orgs.items():
            if not ORG_ID.match(org_id):
                raise ValueError(f"organization id {org_id!r} must match ^[a-z0-9-]{{1,60}}$")
            checked[org_id] = plan_named(name)
        self.orgs.update(checked)

    def names(self) -> dict[str, str]:
        return {org_id: plan.name for org_id, plan in sorted(self.orgs.items())}


@dataclass(frozen=True)
class Region:
    region_id: str
    name: str
    geo_lat: str
    geo_long: str


DEFAULT_REGION = "aws-us-east-2"

REGIONS: tuple[Region, ...] = (
    Region("aws-us-east-1", "AWS US East (N. Virginia)", "38.9940541", "-77.4524237"),
    Region("aws-us-east-2", "AWS US East (Ohio)", "39.9612", "-82.9988"),
    Region("aws-us-west-2", "AWS US West (Oregon)", "45.5152", "-122.6784"),
    Region("aws-eu-central-1", "AWS Europe (Frankfurt)", "50.1109", "8.6821"),
    Region("aws-eu-west-2", "AWS Europe (London)", "51.5072", "-0.1276"),
    Region("aws-ap-southeast-1", "AWS Asia Pacific (Singapore)", "1.3521", "103.8198"),
    Region("aws-ap-southeast-2", "AWS Asia Pacific (Sydney)", "-33.8688", "151.2093"),
    Region("aws-sa-east-1", "AWS South America (Sao Paulo)", "-23.5558", "-46.6396"),
    Region("azure-eastus2", "Azure East US 2 (Virginia)", "36.6681", "-78.3889"),
    Region("azure-westus3", "Azure West US 3 (Arizona)", "33.4484", "-112.0740"),
    Region("azure-gwc", "Azure Germany West Central (Frankfurt)", "50.1109", "8.6821"),
)
REGION_IDS = frozenset(region.region_id for region in REGIONS)


def region_domain(region_id: str) -> str:
    """`aws-us-east-2` -> `us-east-2.aws.neon.tech` (the proxy host; endpoints are `ep-….<this>`)."""
    provider, _, location = region_id.partition("-")
    return f"{location}.{provider}.neon.tech"


def platform_of(region_id: str) -> str:
    return region_id.partition("-")[0]
