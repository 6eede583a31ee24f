"""A plan per organization: staging and production can run on one emulator, each under its own plan."""

from __future__ import annotations

import httpx
import pytest

from neon_emulator import NeonBackend
from neon_emulator.cli import build_parser
from tests.neon_emulator.helpers import create_project, error_of
from tests.support.clock import FakeClock


@pytest.fixture
def orgs(backend: NeonBackend) -> NeonBackend:
    backend.configure(plan="free", orgs={"org-staging": "launch", "org-production": "scale"})
    return backend


def test_each_organization_gets_its_own_plan(client: httpx.Client, clock: FakeClock, orgs: NeonBackend) -> None:
    staging = create_project(client, clock, org_id="org-staging")["project"]
    production = create_project(client, clock, org_id="org-production", history_retention_seconds=2_592_000)["project"]
    personal = create_project(client, clock)["project"]
    stranger = create_project(client, clock, org_id="org-undeclared")["project"]

    assert (staging["history_retention_seconds"], staging["owner"]["subscription_type"]) == (86_400, "launch_v3")
    assert production["owner"]["subscription_type"] == "scale_v3"
    assert (personal["history_retention_seconds"], personal["owner"]["subscription_type"]) == (21_600, "free_v3")
    assert stranger["owner"]["subscription_type"] == "free_v3"  # undeclared organizations get the default plan
    assert staging["owner_id"] == "org-staging"
    status, code, message = error_of(
        client.post("/projects", json={"project": {"org_id": "org-staging", "history_retention_seconds": 2_592_000}})
    )
    assert (status, code) == (422, "LIMIT_EXCEEDED")
    assert "the launch plan's limit of 604800 seconds" in message


def test_limits_follow_the_project_s_organization(client: httpx.Client, clock: FakeClock, orgs: NeonBackend) -> None:
    staging = create_project(client, clock, org_id="org-staging")
    production = create_project(client, clock, org_id="org-production")
    body = {"project": {"settings": {"allowed_ips": {"ips": ["203.0.113.0/24"]}}}}
    assert client.patch(f"/projects/{production['project']['id']}", json=body).status_code == 200
    status, _, message = error_of(client.patch(f"/projects/{staging['project']['id']}", json=body))
    assert (status, message) == (422, "settings.allowed_ips (IP Allow) is not available on the launch plan")


def test_admin_config_declares_and_reports_organizations(admin: httpx.Client) -> None:
    assert "orgs" not in admin.get("/config").json()
    config = admin.post("/config", json={"orgs": {"org-a": "launch"}}).json()
    assert config["orgs"] == {"org-a": "launch"}
    assert admin.post("/config", json={"orgs": {"org-b": "scale"}}).json()["orgs"] == {
        "org-a": "launch",
        "org-b": "scale",
    }
    assert admin.post("/config", json={"orgs": {"org-a": "gold"}}).status_code == 400
    refused = admin.post("/config", json={"orgs": {"Org A": "scale"}})
    assert refused.status_code == 400
    assert "must match" in refused.json()["message"]
    assert admin.get("/config").json()["orgs"] == {"org-a": "launch", "org-b": "scale"}


def test_cli_flag_parses_org_plans(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["--plan", "free", "--org", "org-a=launch", "--org", "org-b=scale"])
    assert (args.plan, dict(args.org)) == ("free", {"org-a": "launch", "org-b": "scale"})
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--org", "org-a"])
    assert "expected ORG_ID=PLAN" in capsys.readouterr().err
