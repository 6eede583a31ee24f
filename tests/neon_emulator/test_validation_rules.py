"""Neon's rules for names, IP Allow entries, compute sizes and ranges, one table each: accepted values
answer 2xx, refused ones 400 (or 422 for plan limits) naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from neon_emulator import NeonBackend
from tests.neon_emulator.helpers import create_project, error_of
from tests.support.clock import FakeClock

OK, BAD = True, False


@pytest.fixture
def project(client: httpx.Client, clock: FakeClock) -> dict[str, Any]:
    return create_project(client, clock, name="rules")


def _branch_base(project: dict[str, Any]) -> str:
    return f"/projects/{project['project']['id']}/branches/{project['branch']['id']}"


def _check(response: httpx.Response, accepted: bool, fragment: str = "") -> None:
    if accepted:
        assert response.status_code < 300, response.text
    else:
        status, _, message = error_of(response)
        assert status in (400, 422), message
        assert fragment in message


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("dev", OK),
        ("preview/pr-123-feature", OK),
        ("x" * 256, OK),
        ("día 1", OK),
        ("", BAD),
        ("x" * 257, BAD),
        ("a\x00b", BAD),
        ("tab\there", BAD),
        ("../up", BAD),
        ("a/./b", BAD),
        ("..", BAD),
    ],
)
def test_branch_names(client: httpx.Client, project: dict[str, Any], name: str, accepted: bool) -> None:
    response = client.post(f"/projects/{project['project']['id']}/branches", json={"branch": {"name": name}})
    _check(response, accepted, "branch.name")


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("app", OK),
        ("r" * 63, OK),
        ("pgx", OK),
        ("r" * 64, BAD),
        ("é" * 32, BAD),  # 64 bytes in UTF-8
        ("pg_monitor_copy", BAD),  # PostgreSQL reserves pg_ role names
        ("", BAD),
        ("new\nline", BAD),
        ("../x", BAD),
    ],
)
def test_role_names(client: httpx.Client, clock: FakeClock, project: dict[str, Any], name: str, accepted: bool) -> None:
    _check(client.post(f"{_branch_base(project)}/roles", json={"role": {"name": name}}), accepted, "role.name")


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("appdb", OK), ("d" * 63, OK), ("pg_stats_db", OK), ("d" * 64, BAD), ("", BAD), ("a\x00", BAD), ("x/../y", BAD)],
)
def test_database_names(client: httpx.Client, project: dict[str, Any], name: str, accepted: bool) -> None:
    body = {"database": {"name": name, "owner_name": "neondb_owner"}}
    _check(client.post(f"{_branch_base(project)}/databases", json=body), accepted, "database.name")


@pytest.mark.parametrize(
    ("entry", "accepted"),
    [
        ("203.0.113.7", OK),
        ("203.0.113.0/24", OK),
        ("10.0.0.1/24", OK),  # host bits set: read as its network
        ("2001:db8::/32", OK),
        ("2001:db8::1", OK),
        ("203.0.113.1-203.0.113.9", OK),
        ("not-an-ip", BAD),
        ("10.0.0.0/99", BAD),
        ("300.1.1.1", BAD),
        ("203.0.113.9-203.0.113.1", BAD),
        ("10.0.0.1-2001:db8::1", BAD),
        ("", BAD),
    ],
)
def test_allowed_ips_entries(client: httpx.Client, project: dict[str, Any], entry: str, accepted: bool) -> None:
    body = {"project": {"settings": {"allowed_ips": {"ips": [entry]}}}}
    _check(client.patch(f"/projects/{project['project']['id']}", json=body), accepted, "allowed_ips.ips.0")


@pytest.mark.parametrize(
    ("fields", "accepted", "fragment"),
    [
        ({"autoscaling_limit_min_cu": 0.25, "autoscaling_limit_max_cu": 8.25}, OK, ""),
        ({"autoscaling_limit_min_cu": 1, "autoscaling_limit_max_cu": 9}, OK, ""),
        ({"autoscaling_limit_min_cu": 0.2}, BAD, "autoscaling_limit_min_cu"),
        ({"autoscaling_limit_max_cu": 57}, BAD, "autoscaling_limit_max_cu"),
        ({"autoscaling_limit_min_cu": 0.25, "autoscaling_limit_max_cu": 9}, BAD, "wider than 8 CU"),
        ({"autoscaling_limit_min_cu": 4, "autoscaling_limit_max_cu": 2}, BAD, "greater than"),
        ({"autoscaling_limit_min_cu": 8, "autoscaling_limit_max_cu": 16}, OK, ""),
        ({"autoscaling_limit_min_cu": 16, "autoscaling_limit_max_cu": 17}, BAD, "exceeds the scale plan's maximum"),
        ({"suspend_timeout_seconds": -1}, OK, ""),
        ({"suspend_timeout_seconds": 604_800}, OK, ""),
        ({"suspend_timeout_seconds": 604_801}, BAD, "suspend_timeout_seconds"),
        ({"suspend_timeout_seconds": -2}, BAD, "suspend_timeout_seconds"),
        ({"name": "n" * 64}, OK, ""),
        ({"name": "n" * 65}, BAD, "endpoint.name"),
        ({"provisioner": "k8s-pod"}, OK, ""),
        ({"provisioner": "bare-metal"}, BAD, "endpoint.provisioner"),
    ],
)
def test_endpoint_sizes_and_ranges(
    client: httpx.Client, project: dict[str, Any], fields: dict[str, Any], accepted: bool, fragment: str
) -> None:
    body = {"endpoint": {"branch_id": project["branch"]["id"], "type": "read_only", **fields}}
    _check(client.post(f"/projects/{project['project']['id']}/endpoints", json=body), accepted, fragment)


@pytest.mark.parametrize(
    ("fields", "accepted", "fragment"),
    [
        ({"pg_version": 14}, OK, ""),
        ({"pg_version": 18}, OK, ""),
        ({"pg_version": 13}, BAD, "project.pg_version"),
        ({"pg_version": 19}, BAD, "project.pg_version"),
        ({"history_retention_seconds": 0}, OK, ""),
        ({"history_retention_seconds": -1}, BAD, "history_retention_seconds"),
        ({"name": "p" * 256}, OK, ""),
        ({"name": "p" * 257}, BAD, "project.name"),
        ({"branch": {"database_name": "pg_app"}}, BAD, "role name 'pg_app_owner'"),
        (
            {"settings": {"maintenance_window": {"weekdays": [1, 7], "start_time": "23:00", "end_time": "23:59"}}},
            OK,
            "",
        ),
        (
            {"settings": {"maintenance_window": {"weekdays": [0], "start_time": "01:00", "end_time": "02:00"}}},
            BAD,
            "weekdays",
        ),
        (
            {"settings": {"maintenance_window": {"weekdays": [], "start_time": "01:00", "end_time": "02:00"}}},
            BAD,
            "weekdays",
        ),
        (
            {"settings": {"maintenance_window": {"weekdays": [1], "start_time": "24:00", "end_time": "02:00"}}},
            BAD,
            "start_time",
        ),
        (
            {"settings": {"maintenance_window": {"weekdays": [1], "start_time": "01:00", "end_time": "01:60"}}},
            BAD,
            "end_time",
        ),
        ({"settings": {"quota": {"active_time_seconds": -1}}}, BAD, "quota.active_time_seconds"),
        ({"settings": {"audit_log_level": "verbose"}}, BAD, "audit_log_level"),
        ({"branch": {"annotations": {f"k{n}": "v" for n in range(50)}}}, OK, ""),
        ({"branch": {"annotations": {f"k{n}": "v" for n in range(51)}}}, BAD, "annotations"),
    ],
)
def test_project_ranges(client: httpx.Client, fields: dict[str, Any], accepted: bool, fragment: str) -> None:
    _check(client.post("/projects", json={"project": fields}), accepted, fragment)


@pytest.mark.parametrize(
    ("days", "accepted"),
    [(1 / 86_400, OK), (30, OK), (30 + 1 / 86_400, BAD), (0, BAD), (-1, BAD)],
)
def test_branch_expiry_window(
    client: httpx.Client, clock: FakeClock, project: dict[str, Any], days: float, accepted: bool
) -> None:
    moment = datetime.fromtimestamp(clock.time() + days * 86_400, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.post(f"/projects/{project['project']['id']}/branches", json={"branch": {"expires_at": moment}})
    _check(response, accepted, "expires_at")


@pytest.mark.parametrize(
    ("path", "limit", "accepted"),
    [
        ("/projects", 1, OK),
        ("/projects", 400, OK),
        ("/projects", 0, BAD),
        ("/projects", 401, BAD),
        ("/projects/{pid}/operations", 1000, OK),
        ("/projects/{pid}/operations", 1001, BAD),
        ("/projects/{pid}/branches", 10_000, OK),
        ("/projects/{pid}/branches", 10_001, BAD),
    ],
)
def test_listing_limits(client: httpx.Client, project: dict[str, Any], path: str, limit: int, accepted: bool) -> None:
    url = path.format(pid=project["project"]["id"])
    _check(client.get(url, params={"limit": limit}), accepted, "limit")


def test_logical_replication_cannot_be_turned_off(
    client: httpx.Client, backend: NeonBackend, project: dict[str, Any]
) -> None:
    url = f"/projects/{project['project']['id']}"
    assert client.patch(url, json={"project": {"settings": {"enable_logical_replication": True}}}).status_code == 200
    status, _, message = error_of(
        client.patch(url, json={"project": {"settings": {"enable_logical_replication": False}}})
    )
    assert (status, message) == (422, "settings.enable_logical_replication cannot be turned off once enabled")
