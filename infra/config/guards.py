"""Rules that keep environments apart and production safe, checked in code on every run.

Each rule returns a message naming the config key and what to do; `settings_from_mapping` collects
them all so a reviewer sees every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.config.ips import open_to_all
from infra.config.keys import key_name
from infra.config.models import NeonProjectSettings, NeonStack, StackSettings
from infra.config.plans import (
    BACKUP_SCHEDULE_PLANS,
    IP_ALLOW_PLANS,
    MAX_AUTOSCALING_CU,
    PRODUCTION_MIN_RETENTION_SECONDS,
    PROTECTED_BRANCH_LIMIT,
    RETENTION_CAP_SECONDS,
    human_duration,
)

# The only passphrase that may be written down (README): it protects nothing but local dev state.
DEV_PASSPHRASE = "workshelf-dev-only"  # noqa: S105 (documented on purpose; dev state only)

# The keys these rules name, in full (`workshelf-infra:neon.plan`).
_DEV = key_name("dev")
_ENVIRONMENT = key_name("environment")
_NEON = key_name("neon")
_ADOPT_PROJECT_ID = key_name("neon", "adoptProjectId")
_ALLOWED_IPS = key_name("neon", "allowedIps")
_MAX_CU = key_name("neon", "autoscaling", "maxCu")
_MIN_CU = key_name("neon", "autoscaling", "minCu")
_RETENTION = key_name("neon", "historyRetentionSeconds")
_PLAN = key_name("neon", "plan")
_PROJECT_NAME = key_name("neon", "projectName")
_PROTECT = key_name("neon", "protectDefaultBranch")
_SUSPEND_TIMEOUT = key_name("neon", "suspendTimeoutSeconds")
_MONITORING = key_name("monitoring")
_SCHEDULE = key_name("neon", "backupSchedule")
_OVERRIDES = key_name("safetyOverrides")
_RELEASE = key_name("release")
_RETENTION_OVERRIDE = key_name("safetyOverrides", "retentionBelow30Days")
_UNPROTECTED_OVERRIDE = key_name("safetyOverrides", "unprotectedDefaultBranch")
_ALL_IPS_OVERRIDE = key_name("safetyOverrides", "allowAllIps")


def check_guards(settings: StackSettings, siblings: Mapping[str, Mapping[str, Any]]) -> list[str]:
    problems = _environment_rules(settings)
    if isinstance(settings, NeonStack):
        problems += _plan_rules(settings.neon)
        problems += _production_rules(settings)
        problems += _separation_rules(settings.neon, siblings)
    return problems


def section_rules(environment: str, values: Mapping[str, Any]) -> list[str]:
    """Which sections a stack may declare; checked on the raw values, before field validation."""
    problems = [
        f"{key_name(section)}: empty; give its keys, or remove it"
        for section in ("dev", "neon", "migrations", "release", "safetyOverrides")
        if section in values and values[section] is None
    ]
    if environment == "dev":
        if "neon" in values:
            problems.append(f"{_NEON}: the dev stack never declares Neon (dev is a local PostgreSQL); remove this key")
        if "dev" not in values:
            problems.append(f"{_DEV}: required for the dev stack (engine, image, port, volume, database, role)")
        if "release" in values:
            problems.append(f"{_RELEASE}: releases go to staging and production; remove this key from dev")
        if "monitoring" in values:
            problems.append(f"{_MONITORING}: `health` watches the Neon stacks; remove this key from dev")
    else:
        if "dev" in values:
            problems.append(f"{_DEV}: only the dev stack declares a local database; remove this key from {environment}")
        if "neon" not in values:
            problems.append(f"{_NEON}: required for the {environment} stack (its own Neon project)")
    return problems


def _environment_rules(settings: StackSettings) -> list[str]:
    problems: list[str] = []
    env = settings.environment
    if settings.stack != env:
        problems.append(
            f"{_ENVIRONMENT}: is `{env}` but the stack is `{settings.stack}`; each stack file declares its own "
            "environment so that one environment's settings can never be applied to another"
        )
    overrides = settings.overrides
    if env != "production" and overrides.model_dump(exclude_none=True):
        problems.append(f"{_OVERRIDES}: only production has rules to override; remove this key from {env}")
    return problems


def _plan_rules(neon: NeonProjectSettings) -> list[str]:
    problems: list[str] = []
    cap = RETENTION_CAP_SECONDS[neon.plan]
    if neon.history_retention_seconds > cap:
        problems.append(
            f"{_RETENTION}: {neon.history_retention_seconds} exceeds the {neon.plan} plan's "
            "cap of "
            f"{cap} ({human_duration(cap)}); allowed: 0..{cap}, or change {_PLAN}"
        )
    if neon.protect_default_branch and PROTECTED_BRANCH_LIMIT[neon.plan] == 0:
        problems.append(f"{_PROTECT}: the {neon.plan} plan has no protected branches; use plan launch or scale")
    if neon.allowed_ips and neon.plan not in IP_ALLOW_PLANS:
        problems.append(f"{_ALLOWED_IPS}: IP allow lists need the scale plan (plan is {neon.plan})")
    problems += _autoscaling_rules(neon)
    if neon.plan == "free" and neon.suspend_timeout_seconds not in (0, 300):
        problems.append(f"{_SUSPEND_TIMEOUT}: fixed at 300 on the free plan; allowed: 0 or 300")
    if neon.backup_schedule and neon.plan not in BACKUP_SCHEDULE_PLANS:
        problems.append(
            f"{_SCHEDULE}: backup schedules need a paid plan ({', '.join(sorted(BACKUP_SCHEDULE_PLANS))}); the "
            f"{neon.plan} plan has none: remove the schedule or change {_PLAN}"
        )
    return problems


def _autoscaling_rules(neon: NeonProjectSettings) -> list[str]:
    problems: list[str] = []
    scaling = neon.autoscaling
    for name, value in (("minCu", scaling.min_cu), ("maxCu", scaling.max_cu)):
        if (value * 4) != int(value * 4):
            problems.append(f"{key_name('neon', 'autoscaling', name)}: {value} is not a multiple of 0.25 compute units")
    if scaling.min_cu > scaling.max_cu:
        problems.append(f"{_MIN_CU}: {scaling.min_cu} is above maxCu ({scaling.max_cu})")
    limit = MAX_AUTOSCALING_CU[neon.plan]
    if scaling.max_cu > limit:
        problems.append(f"{_MAX_CU}: {scaling.max_cu} exceeds the {neon.plan} plan's {limit} CU")
    return problems


def _production_rules(settings: NeonStack) -> list[str]:
    if not settings.is_production:
        return []
    problems: list[str] = []
    neon, overrides = settings.neon, settings.overrides
    if neon.history_retention_seconds < PRODUCTION_MIN_RETENTION_SECONDS and not overrides.retention_below_30_days:
        problems.append(
            f"{_RETENTION}: production keeps 30 days of history "
            f"({PRODUCTION_MIN_RETENTION_SECONDS}); "
            f"{neon.history_retention_seconds} ({human_duration(neon.history_retention_seconds)}) needs "
            f"{_RETENTION_OVERRIDE} set to the reason"
        )
    if not neon.protect_default_branch and not overrides.unprotected_default_branch:
        problems.append(
            f"{_PROTECT}: production's default branch stays protected; turning it off needs "
            f"{_UNPROTECTED_OVERRIDE} set to the reason"
        )
    if open_to_all(neon.allowed_ips) and not overrides.allow_all_ips:
        problems.append(
            f"{_ALLOWED_IPS}: [{', '.join(neon.allowed_ips)}] lets every address in, which is no allow list at all; "
            f"production needs the addresses that may connect, or {_ALL_IPS_OVERRIDE} set to the reason"
        )
    return problems


def _separation_rules(mine: NeonProjectSettings, siblings: Mapping[str, Mapping[str, Any]]) -> list[str]:
    problems: list[str] = []
    for other, values in siblings.items():
        theirs = values.get("neon") or {}
        if not isinstance(theirs, Mapping):
            continue
        if theirs.get("projectName") == mine.project_name:
            problems.append(
                f"{_PROJECT_NAME}: `{mine.project_name}` is also the {other} stack's Neon project; "
                "every environment needs its own project"
            )
        if mine.adopt_project_id and theirs.get("adoptProjectId") == mine.adopt_project_id:
            problems.append(
                f"{_ADOPT_PROJECT_ID}: `{mine.adopt_project_id}` is also adopted by the {other} stack; "
                "every environment needs its own project"
            )
    return problems


def check_passphrase(environment: str, env: Mapping[str, str]) -> list[str]:
    """Staging and production state must not be encrypted with the documented dev passphrase."""
    if environment == "dev" or env.get("PULUMI_CONFIG_PASSPHRASE") != DEV_PASSPHRASE:
        return []
    return [
        f"PULUMI_CONFIG_PASSPHRASE: the documented dev passphrase is for the dev stack only; set the {environment} "
        "passphrase from your team's secret store (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE)"
    ]
