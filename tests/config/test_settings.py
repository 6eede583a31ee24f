"""Stack settings: the committed stack files load; bad configurations fail naming the key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.config import ConfigError, settings_from_stack_file
from infra.config.guards import DEV_PASSPHRASE, check_passphrase
from infra.config.load import read_stack_file, settings_from_mapping
from tests.support.pulumi_project import REPO


def stack_values(stack: str) -> dict[str, Any]:
    return copy.deepcopy(read_stack_file(REPO / f"Pulumi.{stack}.yaml"))


def siblings_of(stack: str) -> dict[str, dict[str, Any]]:
    return {s: stack_values(s) for s in ("dev", "staging", "production") if s != stack}


@pytest.mark.parametrize("stack", ["dev", "staging", "production"])
def test_committed_stack_files_are_valid(stack: str) -> None:
    settings = settings_from_stack_file(REPO, stack)
    assert settings.environment == stack


def test_production_file_keeps_thirty_days_and_protection() -> None:
    neon = settings_from_stack_file(REPO, "production").neon
    assert neon is not None
    assert neon.history_retention_seconds == 2_592_000
    assert neon.protect_default_branch is True


def test_staging_and_production_use_different_projects() -> None:
    staging = settings_from_stack_file(REPO, "staging").neon
    production = settings_from_stack_file(REPO, "production").neon
    assert staging is not None
    assert production is not None
    assert staging.project_name != production.project_name


def _set(values: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = values
    for part in parents:
        node = node.setdefault(part, {})
    if value is _DELETE:
        node.pop(leaf, None)
    else:
        node[leaf] = value


_DELETE = object()

# (stack, key path to change, new value, the key the error must name, a fragment of what is allowed)
BAD_CONFIGS: list[tuple[str, str, Any, str, str]] = [
    (
        "staging",
        "neon.historyRetentionSeconds",
        2_592_000,
        "neon.historyRetentionSeconds",
        "launch plan's cap of 604800",
    ),
    (
        "staging",
        "neon.historyRetentionSeconds",
        -5,
        "neon.historyRetentionSeconds",
        "greater than or equal to 0",
    ),
    ("staging", "neon.regionId", "mars-north-1", "neon.regionId", "aws-eu-central-1"),
    ("staging", "neon.pgVersion", 13, "neon.pgVersion", "14, 15, 16, 17, 18"),
    ("staging", "neon.plan", "enterprise", "neon.plan", "'free', 'launch' or 'scale'"),
    (
        "staging",
        "neon.projectName",
        "workshelf-production",
        "neon.projectName",
        "also the production stack's",
    ),
    ("staging", "neon.historyRetentionSecond", 3600, "neon.historyRetentionSecond", "unknown key"),
    ("staging", "neon.autoscaling.maxCu", 32, "neon.autoscaling.maxCu", "exceeds the launch plan's 16.0 CU"),
    ("staging", "neon.autoscaling.minCu", 0.3, "neon.autoscaling.minCu", "multiple of 0.25"),
    ("staging", "neon.allowedIps", ["10.0.0.0/8"], "neon.allowedIps", "need the scale plan"),
    ("staging", "neon.database", "Work-Shelf", "neon.database", "lower-case PostgreSQL identifier"),
    ("staging", "neon.protectDefaultBranch", _DELETE, "neon.protectDefaultBranch", "required"),
    ("staging", "dev", {"engine": "native"}, "workshelf-infra:dev", "only the dev stack"),
    ("staging", "environment", "production", "workshelf-infra:environment", "the stack is `staging`"),
    (
        "production",
        "neon.historyRetentionSeconds",
        604_800,
        "neon.historyRetentionSeconds",
        "retentionBelow30Days",
    ),
    (
        "production",
        "neon.protectDefaultBranch",
        False,
        "neon.protectDefaultBranch",
        "unprotectedDefaultBranch",
    ),
    ("production", "neon.allowedIps", ["not-an-ip"], "neon.allowedIps", "not an IP address"),
    ("production", "neon.adoptProjectId", "Bad_Id!", "neon.adoptProjectId", "Neon id"),
    ("production", "release.window", "Mon-Fri 01:00 Europe/Berlin", "release.window", "HH:MM-HH:MM <IANA zone>"),
    ("production", "release.window", "Mon-Fri 01:00-05:00 Mars/Olympus", "release.window", "not an IANA time zone"),
    ("production", "release.window", "Mo-Fr 01:00-05:00 UTC", "release.window", "Mon..Sun, Mon-Fri, Sat,Sun or daily"),
    ("production", "release.window", "Mon 25:00-05:00 UTC", "release.window", "not a time of day"),
    ("production", "release.window", 5, "release.window", "must be text like"),
    ("production", "release.windows", "daily 00:00-24:00 UTC", "release.windows", "unknown key"),
    ("dev", "release", {"window": "daily 00:00-24:00 UTC"}, "workshelf-infra:release", "remove this key from dev"),
    (
        "production",
        "neon.backupSchedule",
        [{"frequency": "fortnightly"}],
        "neon.backupSchedule[0].frequency",
        "'hourly', 'daily', 'weekly', 'monthly' or 'yearly'",
    ),
    (
        "production",
        "neon.backupSchedule",
        [{"frequency": "daily", "hour": 24}],
        "neon.backupSchedule[0].hour",
        "less than or equal to 23",
    ),
    (
        "production",
        "neon.backupSchedule",
        [{"frequency": "daily", "hour": 3}, {"frequency": "weekly", "day": 9}],
        "neon.backupSchedule[1]",
        "day of the week, 1 (Monday) to 7 (Sunday); got 9",
    ),
    (
        "production",
        "neon.backupSchedule",
        [{"frequency": "daily", "day": 3}],
        "neon.backupSchedule[0]",
        "day does not apply to a daily snapshot; it uses hour",
    ),
    (
        "production",
        "neon.backupSchedule",
        [{"frequency": "daily", "retentionDays": 0}],
        "neon.backupSchedule[0].retentionDays",
        "greater than or equal to 1",
    ),
    (
        "production",
        "neon.backupSchedule",
        [{"frequency": "daily", "keepDays": 3}],
        "neon.backupSchedule[0].keepDays",
        "unknown key",
    ),
    (
        "staging",
        "neon.plan",
        "free",
        "neon.backupSchedule",
        "backup schedules need a paid plan (launch, scale); the free plan has none",
    ),
    ("production", "monitoring.slowQueryMs", 0, "monitoring.slowQueryMs", "greater than or equal to 1"),
    (
        "production",
        "monitoring.deadlocks",
        {"warning": 5, "critical": 1},
        "monitoring.deadlocks",
        "critical (1) must be at least warning (5)",
    ),
    ("production", "monitoring.slowQuerySeconds", 1, "monitoring.slowQuerySeconds", "unknown key"),
    ("dev", "monitoring", {"slowQueryMs": 500}, "workshelf-infra:monitoring", "remove this key from dev"),
    ("dev", "neon", {"projectName": "x"}, "workshelf-infra:neon", "never declares Neon"),
    ("dev", "dev.engine", "podman", "dev.engine", "'auto', 'docker' or 'native'"),
    ("dev", "dev.image", "postgres:latest", "dev.image", "pinned"),
    ("dev", "dev.port", 80, "dev.port", "greater than or equal to 1024"),
    ("dev", "dev.dataDir", "/var/lib/postgresql", "dev.dataDir", "under `.dev/`"),
    ("dev", "environment", "qa", "workshelf-infra:environment", "dev, staging, production"),
    (
        "dev",
        "safetyOverrides",
        {"retentionBelow30Days": "because reasons"},
        "safetyOverrides",
        "only production",
    ),
    ("production", "migrations.dropAfterDays", 0, "migrations.dropAfterDays", "greater than or equal to 1"),
    (
        "staging",
        "migrations.dropAfterDays",
        "two weeks",
        "migrations.dropAfterDays",
        'must be a whole number (got "two',
    ),
    ("dev", "migrations.dropAfterDay", 14, "migrations.dropAfterDay", "unknown key"),
]


@pytest.mark.parametrize(("stack", "path", "value", "key", "allowed"), BAD_CONFIGS)
def test_bad_configuration_is_rejected_naming_the_key(
    stack: str, path: str, value: Any, key: str, allowed: str
) -> None:
    values = stack_values(stack)
    _set(values, path, value)
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(stack, values, siblings_of(stack))
    message = str(caught.value)
    expected_key = key if key.startswith("workshelf-infra") else f"workshelf-infra:{key}"
    assert expected_key in message
    assert allowed in message


def test_every_problem_is_reported_at_once() -> None:
    values = stack_values("production")
    _set(values, "neon.historyRetentionSeconds", 86_400)
    _set(values, "neon.protectDefaultBranch", False)
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping("production", values, siblings_of("production"))
    assert len(caught.value.problems) == 2


def test_production_overrides_need_a_reason_and_then_pass() -> None:
    values = stack_values("production")
    _set(values, "neon.historyRetentionSeconds", 604_800)
    _set(values, "safetyOverrides", {"retentionBelow30Days": "moving to a cheaper plan, approved by ops"})
    settings = settings_from_mapping("production", values, siblings_of("production"))
    assert settings.overrides.retention_below_30_days


def test_a_one_word_override_reason_is_not_enough() -> None:
    values = stack_values("production")
    _set(values, "neon.protectDefaultBranch", False)
    _set(values, "safetyOverrides", {"unprotectedDefaultBranch": "yes"})
    with pytest.raises(ConfigError, match=r"safetyOverrides\.unprotectedDefaultBranch"):
        settings_from_mapping("production", values, siblings_of("production"))


def test_dev_passphrase_is_refused_outside_dev() -> None:
    env = {"PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE}
    assert check_passphrase("dev", env) == []
    assert "PULUMI_CONFIG_PASSPHRASE" in check_passphrase("production", env)[0]
    assert check_passphrase("production", {"PULUMI_CONFIG_PASSPHRASE": "team-secret"}) == []
