# ruff: noqa: E501  # the table: one bad file per line, its exact problems beside it
"""Bad stack files, each with the exact problems expected, through both ways settings are read: the CLI's
loader and the Pulumi program (under mocks here, with the real engine for a sample in tests/e2e). The
verdicts are identical because the program validates the committed file with the same strict loader,
then checks that Pulumi's own view of the config agrees with it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from infra.config import ConfigError, settings_from_stack_file
from infra.config.load import read_stack_file
from tests.support.pulumi_project import REPO

STACKS = ("dev", "staging", "production")


@dataclass(frozen=True)
class Bad:
    """`old` replaced by `new` (once) in `Pulumi.<file>.yaml` (`file` defaults to `stack`: the stack checked)."""

    id: str
    stack: str
    old: str | None  # None: `new` is the whole file
    new: str | bytes
    problems: list[str]
    file: str = ""

    def write(self, root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for stack in STACKS:
            shutil.copy2(REPO / f"Pulumi.{stack}.yaml", root / f"Pulumi.{stack}.yaml")
        path = root / f"Pulumi.{self.file or self.stack}.yaml"
        if self.old is None:
            path.write_text(str(self.new))
            return root
        data, old = path.read_bytes(), self.old.encode()
        new = self.new if isinstance(self.new, bytes) else self.new.encode()
        assert old in data, (self.id, self.old)
        path.write_bytes(data.replace(old, new, 1))
        return root


# fmt: off
BAD_FILES: list[Bad] = [
    Bad('yes_as_number', 'staging', old='historyRetentionSeconds: 604800', new='historyRetentionSeconds: yes', problems=['workshelf-infra:neon.historyRetentionSeconds: must be a whole number (got "yes")']),
    Bad('on_as_bool', 'staging', old='protectDefaultBranch: true', new='protectDefaultBranch: on', problems=['workshelf-infra:neon.protectDefaultBranch: must be true or false (got "on")']),
    Bad('string_number', 'staging', old='pgVersion: 17', new='pgVersion: "17"', problems=['workshelf-infra:neon.pgVersion: must be a whole number (got "17")']),
    Bad('float_retention', 'staging', old='historyRetentionSeconds: 604800', new='historyRetentionSeconds: 604800.0', problems=['workshelf-infra:neon.historyRetentionSeconds: must be a whole number (got 604800.0)']),
    Bad('octal_like', 'staging', old='historyRetentionSeconds: 604800', new='historyRetentionSeconds: 1_000', problems=['workshelf-infra:neon.historyRetentionSeconds: must be a whole number (got "1_000")']),
    Bad('sexagesimal', 'staging', old='suspendTimeoutSeconds: 300', new='suspendTimeoutSeconds: 5:00', problems=['workshelf-infra:neon.suspendTimeoutSeconds: must be a whole number (got "5:00")']),
    Bad('inf_cu', 'staging', old='maxCu: 2', new='maxCu: .inf', problems=['workshelf-infra:neon.autoscaling.maxCu: must be a finite number, not infinity or NaN (got inf)']),
    Bad('nan_cu', 'staging', old='minCu: 0.25', new='minCu: .nan', problems=['workshelf-infra:neon.autoscaling.minCu: must be a finite number, not infinity or NaN (got nan)']),
    Bad('neg_inf_cu', 'production', old='minCu: 0.5', new='minCu: -.inf', problems=['workshelf-infra:neon.autoscaling.minCu: must be a finite number, not infinity or NaN (got -inf)']),
    Bad('dup_key', 'staging', old='    plan: launch', new='    plan: scale\n    plan: launch', problems=['Pulumi.staging.yaml line 9: duplicate key `plan` (first at line 8): YAML would silently keep only the last value']),
    Bad('dup_section', 'staging', old='  workshelf-infra:environment: staging', new='  workshelf-infra:environment: staging\n  workshelf-infra:environment: production', problems=['Pulumi.staging.yaml line 4: duplicate key `workshelf-infra:environment` (first at line 3): YAML would silently keep only the last value']),
    Bad('broken_yaml', 'staging', old='    database: workshelf', new='    database: [workshelf', problems=["Pulumi.staging.yaml line 15: expected ',' or ']', but got ':'"]),
    Bad('tab_indent', 'staging', old='    database: workshelf', new='\tdatabase: workshelf', problems=["Pulumi.staging.yaml line 14: found character '\\t' that cannot start any token"]),
    Bad('broken_sibling', 'staging', file='production', old='    plan: scale', new='    plan: scale\n    plan: launch', problems=["Pulumi.production.yaml line 10: duplicate key `plan` (first at line 9): YAML would silently keep only the last value (another stack's file: every stack file must be valid)"]),
    Bad('broken_sibling_yaml', 'production', file='staging', old='    role: workshelf_owner', new='    role: {workshelf_owner', problems=["Pulumi.staging.yaml line 16: expected ',' or '}', but got ':' (another stack's file: every stack file must be valid)"]),
    Bad('sibling_wrong_namespace', 'dev', file='staging', old='  workshelf-infra:neon:', new='  workshelf:neon:', problems=["Pulumi.staging.yaml: `workshelf:neon`: not a key of this project (did you mean `workshelf-infra:neon`?) (another stack's file: every stack file must be valid)"]),
    Bad('date_environment', 'staging', old='workshelf-infra:environment: staging', new='workshelf-infra:environment: 2026-01-01', problems=['workshelf-infra:environment: must be one of dev, staging, production (got "2026-01-01")']),
    Bad('int_environment', 'staging', old='workshelf-infra:environment: staging', new='workshelf-infra:environment: 3', problems=['workshelf-infra:environment: must be one of dev, staging, production (got 3)']),
    Bad('null_environment', 'staging', old='workshelf-infra:environment: staging', new='workshelf-infra:environment:', problems=['workshelf-infra:environment: must be one of dev, staging, production (got null)']),
    Bad('top_level_list', 'staging', old=None, new='- config\n- staging\n', problems=['Pulumi.staging.yaml: the file must be a mapping of keys (got a list)']),
    Bad('config_list', 'staging', old=None, new='config:\n  - workshelf-infra:environment\n', problems=['Pulumi.staging.yaml: its `config:` must be a mapping of keys (got a list)']),
    Bad('int_key', 'staging', old='    regionId: aws-eu-central-1', new='    regionId: aws-eu-central-1\n    1: one', problems=['Pulumi.staging.yaml line 7: the key 1 is not a name: keys are text']),
    Bad('bool_key', 'staging', old='    regionId: aws-eu-central-1', new='    regionId: aws-eu-central-1\n    true: one', problems=['Pulumi.staging.yaml line 7: the key true is not a name: keys are text']),
    Bad('empty_neon', 'staging', old=None, new='config:\n  workshelf-infra:environment: staging\n  workshelf-infra:neon:\n', problems=['workshelf-infra:neon: empty; give its keys, or remove it']),
    Bad('empty_dev', 'dev', old=None, new='config:\n  workshelf-infra:environment: dev\n  workshelf-infra:dev:\n', problems=['workshelf-infra:dev: empty; give its keys, or remove it']),
    Bad('empty_overrides', 'production', old='  workshelf-infra:environment: production', new='  workshelf-infra:environment: production\n  workshelf-infra:safetyOverrides:', problems=['workshelf-infra:safetyOverrides: empty; give its keys, or remove it']),
    Bad('neon_list', 'staging', old=None, new='config:\n  workshelf-infra:environment: staging\n  workshelf-infra:neon: [a, b]\n', problems=['workshelf-infra:neon: must be a section of keys (got ["a", "b"])']),
    Bad('autoscaling_null', 'staging', old='    autoscaling:\n      minCu: 0.25\n      maxCu: 2', new='    autoscaling:', problems=['workshelf-infra:neon.autoscaling: must be a section of keys (got null)']),
    Bad('blank_reason', 'production', old='    allowedIpsProtectedBranchesOnly: true', new="    allowedIpsProtectedBranchesOnly: true\n  workshelf-infra:safetyOverrides:\n    allowAllIps: '          '", problems=['workshelf-infra:safetyOverrides.allowAllIps: must be the reason for the exception, at least 10 characters of text (got "          ")']),
    Bad('short_padded_reason', 'production', old='    allowedIpsProtectedBranchesOnly: true', new="    allowedIpsProtectedBranchesOnly: true\n  workshelf-infra:safetyOverrides:\n    retentionBelow30Days: '   because    '", problems=['workshelf-infra:safetyOverrides.retentionBelow30Days: must be the reason for the exception, at least 10 characters of text (got "   because    ")']),
    Bad('all_ipv4', 'production', old='allowedIps: []', new='allowedIps: [0.0.0.0/0]', problems=['workshelf-infra:neon.allowedIps: [0.0.0.0/0] lets every address in, which is no allow list at all; production needs the addresses that may connect, or workshelf-infra:safetyOverrides.allowAllIps set to the reason']),
    Bad('all_ipv4_ipv6', 'production', old='allowedIps: []', new="allowedIps: ['0.0.0.0/0', '::/0']", problems=['workshelf-infra:neon.allowedIps: [0.0.0.0/0, ::/0] lets every address in, which is no allow list at all; production needs the addresses that may connect, or workshelf-infra:safetyOverrides.allowAllIps set to the reason']),
    Bad('all_halves', 'production', old='allowedIps: []', new='allowedIps: [0.0.0.0/1, 128.0.0.0/1]', problems=['workshelf-infra:neon.allowedIps: [0.0.0.0/1, 128.0.0.0/1] lets every address in, which is no allow list at all; production needs the addresses that may connect, or workshelf-infra:safetyOverrides.allowAllIps set to the reason']),
    Bad('all_range', 'production', old='allowedIps: []', new='allowedIps: [0.0.0.0-255.255.255.255]', problems=['workshelf-infra:neon.allowedIps: [0.0.0.0-255.255.255.255] lets every address in, which is no allow list at all; production needs the addresses that may connect, or workshelf-infra:safetyOverrides.allowAllIps set to the reason']),
    Bad('all_netmask', 'production', old='allowedIps: []', new="allowedIps: ['::0/0']", problems=['workshelf-infra:neon.allowedIps: [::0/0] lets every address in, which is no allow list at all; production needs the addresses that may connect, or workshelf-infra:safetyOverrides.allowAllIps set to the reason']),
    Bad('bad_range', 'production', old='allowedIps: []', new='allowedIps: [10.0.0.9-10.0.0.1]', problems=['workshelf-infra:neon.allowedIps[0]: `10.0.0.9-10.0.0.1` is not an IP address, CIDR range (e.g. 203.0.113.0/24) or range (e.g. 203.0.113.1-203.0.113.9)']),
    Bad('branch_empty', 'staging', old='defaultBranch: main', new="defaultBranch: ''", problems=['workshelf-infra:neon.defaultBranch: must not be empty (got "")']),
    Bad('branch_300', 'staging', old='defaultBranch: main', new='defaultBranch: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', problems=['workshelf-infra:neon.defaultBranch: is 300 characters; Neon allows at most 256 (got "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"… (300 characters))']),
    Bad('branch_nul', 'staging', old='defaultBranch: main', new='defaultBranch: "ma\\0in"', problems=['workshelf-infra:neon.defaultBranch: must not contain control characters (NUL, newline, tab, ...) (got "ma\\u0000in")']),
    Bad('branch_dotdot', 'staging', old='defaultBranch: main', new='defaultBranch: a/../main', problems=['workshelf-infra:neon.defaultBranch: must not contain `.` or `..` path segments (got "a/../main")']),
    Bad('branch_number', 'staging', old='defaultBranch: main', new='defaultBranch: 2026', problems=['workshelf-infra:neon.defaultBranch: must be text (got 2026)']),
    Bad('role_pg', 'staging', old='role: workshelf_owner', new='role: pg_owner', problems=['workshelf-infra:neon.role: role names starting with `pg_` are reserved by PostgreSQL (got "pg_owner")']),
    Bad('role_long', 'staging', old='role: workshelf_owner', new='role: rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr', problems=['workshelf-infra:neon.role: must be a lower-case PostgreSQL identifier: [a-z_][a-z0-9_]*, at most 63 characters (got "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"… (64 characters))']),
    Bad('db_upper', 'production', old='database: workshelf', new='database: WorkShelf', problems=['workshelf-infra:neon.database: must be a lower-case PostgreSQL identifier: [a-z_][a-z0-9_]*, at most 63 characters (got "WorkShelf")']),
    Bad('db_nul', 'production', old='database: workshelf', new='database: "work\\0shelf"', problems=['workshelf-infra:neon.database: must be a lower-case PostgreSQL identifier: [a-z_][a-z0-9_]*, at most 63 characters (got "work\\u0000shelf")']),
    Bad('wrong_namespace', 'staging', old='  workshelf-infra:neon:', new='  workshelf:neon:', problems=['Pulumi.staging.yaml: `workshelf:neon`: not a key of this project (did you mean `workshelf-infra:neon`?)']),
    Bad('wrong_namespace_dotted', 'staging', old='  workshelf-infra:environment: staging', new='  workshelf-infra:environment: staging\n  workshelf:neon.plan: scale', problems=['Pulumi.staging.yaml: `workshelf:neon.plan`: not a key of this project (did you mean `workshelf-infra:neon`?)']),
    Bad('section_as_namespace', 'staging', old='  workshelf-infra:environment: staging', new='  workshelf-infra:environment: staging\n  neon:foo: 1', problems=['Pulumi.staging.yaml: `neon:foo`: not a key of this project (did you mean `workshelf-infra:neon`?)']),
    Bad('no_namespace', 'staging', old='  workshelf-infra:environment: staging', new='  workshelf-infra:environment: staging\n  environment: staging', problems=['Pulumi.staging.yaml: `environment`: a key without its namespace; write `workshelf-infra:environment`']),
    Bad('dotted_key', 'staging', old='  workshelf-infra:environment: staging', new='  workshelf-infra:environment: staging\n  workshelf-infra:neon.plan: scale', problems=['`workshelf-infra:neon.plan`: nested keys go inside their section: `workshelf-infra:neon:` then `plan:`']),
    Bad('snake_case', 'staging', old='historyRetentionSeconds: 604800', new='history_retention_seconds: 604800', problems=['workshelf-infra:neon.history_retention_seconds: unknown key; did you mean `historyRetentionSeconds`? (keys are camelCase)']),
    Bad('snake_nested', 'staging', old='minCu: 0.25', new='min_cu: 0.25', problems=['workshelf-infra:neon.autoscaling.min_cu: unknown key; did you mean `minCu`? (keys are camelCase)']),
    Bad('typo_key', 'staging', old='pgVersion: 17', new='pgVersio: 17', problems=['workshelf-infra:neon.pgVersio: unknown key; did you mean `pgVersion`?']),
    Bad('unknown_top', 'staging', old='  workshelf-infra:environment: staging', new='  workshelf-infra:environment: staging\n  workshelf-infra:enviroment: staging', problems=['workshelf-infra:enviroment: unknown key; did you mean `environment`?']),
    Bad('snake_overrides', 'production', old='    allowedIpsProtectedBranchesOnly: true', new='    allowedIpsProtectedBranchesOnly: true\n  workshelf-infra:safetyOverrides:\n    retention_below_30_days: moving to a cheaper plan, approved by ops', problems=['workshelf-infra:safetyOverrides.retention_below_30_days: unknown key; did you mean `retentionBelow30Days`? (keys are camelCase)']),
    Bad('override_outside_production', 'staging', old='    suspendTimeoutSeconds: 300', new='    suspendTimeoutSeconds: 300\n  workshelf-infra:safetyOverrides:\n    allowAllIps: the office network changes every week', problems=['workshelf-infra:safetyOverrides: only production has rules to override; remove this key from staging']),
    Bad('dev_port_yes', 'dev', old='port: 55432', new='port: yes', problems=['workshelf-infra:dev.port: must be a whole number (got "yes")']),
    Bad('dev_port_float', 'dev', old='port: 55432', new='port: 55432.5', problems=['workshelf-infra:dev.port: must be a whole number (got 55432.5)']),
    Bad('not_utf8', 'staging', old='workshelf_owner', new=b'workshelf_\xffowner', problems=['Pulumi.staging.yaml line 15: not UTF-8 text (byte 0xff)']),
    Bad('merge_key', 'staging', old='    regionId: aws-eu-central-1', new='    <<: {regionId: aws-us-east-1}\n    regionId: aws-eu-central-1', problems=['workshelf-infra:neon.<<: unknown key; allowed: adoptProjectId, allowedIps, allowedIpsProtectedBranchesOnly, autoscaling, backupSchedule, database, defaultBranch, historyRetentionSeconds, orgId, pgVersion, plan, projectName, protectDefaultBranch, regionId, role, suspendTimeoutSeconds']),
    Bad('python_tag', 'staging', old='    database: workshelf', new='    database: !!python/name:os.system', problems=["Pulumi.staging.yaml line 14: could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:os.system'"]),
]
# fmt: on


def test_the_table_is_large_and_every_row_is_distinct() -> None:
    assert len(BAD_FILES) >= 40
    assert len({b.id for b in BAD_FILES}) == len(BAD_FILES)


@pytest.mark.parametrize("bad", BAD_FILES, ids=[b.id for b in BAD_FILES])
def test_the_cli_loader_names_each_problem_exactly(bad: Bad, tmp_path: Path) -> None:
    root = bad.write(tmp_path)
    with pytest.raises(ConfigError) as caught:
        settings_from_stack_file(root, bad.stack)
    assert caught.value.problems == bad.problems


class NoResources(pulumi.runtime.Mocks):  # type: ignore[misc]
    """Settings fail before any resource: nothing is ever registered."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        raise AssertionError(f"a resource was declared: {args.name}")

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        raise AssertionError("no call expected")


def _pulumi_view(root: Path, stack: str) -> dict[str, str]:
    """The config as Pulumi hands it to the program: strings, objects as JSON (when the file parses)."""
    try:
        values = read_stack_file(root / f"Pulumi.{stack}.yaml")
    except ConfigError:
        return {}
    return {f"workshelf-infra:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


@pytest.mark.parametrize("bad", BAD_FILES, ids=[b.id for b in BAD_FILES])
def test_the_program_gives_the_same_verdict(bad: Bad, tmp_path: Path) -> None:
    root = bad.write(tmp_path)
    pulumi.runtime.set_mocks(NoResources(), project="workshelf-infra", stack=bad.stack, preview=True)
    try:
        for key, value in _pulumi_view(root, bad.stack).items():
            pulumi.runtime.set_config(key, value)
        from infra.program import settings_or_fail

        with pytest.raises(pulumi.RunError) as caught:
            settings_or_fail(root)
    finally:
        pulumi.runtime.config.CONFIG.set({})
    assert str(caught.value) == str(ConfigError(bad.problems))


def test_pulumi_config_that_differs_from_the_file_is_refused(tmp_path: Path) -> None:
    root = BAD_FILES[0].write(tmp_path)
    (root / "Pulumi.staging.yaml").write_bytes((REPO / "Pulumi.staging.yaml").read_bytes())
    values: dict[str, Any] = read_stack_file(root / "Pulumi.staging.yaml")
    values["neon"]["plan"] = "scale"
    pulumi.runtime.set_mocks(NoResources(), project="workshelf-infra", stack="staging", preview=True)
    try:
        for key, value in values.items():
            pulumi.runtime.set_config(f"workshelf-infra:{key}", value if isinstance(value, str) else json.dumps(value))
        from infra.program import settings_or_fail

        with pytest.raises(pulumi.RunError) as caught:
            settings_or_fail(root)
    finally:
        pulumi.runtime.config.CONFIG.set({})
    assert str(caught.value).splitlines() == [
        "invalid stack configuration:",
        '  - workshelf-infra:neon.plan: Pulumi passes "scale", the stack file says "launch"',
        "  - the settings come from Pulumi.staging.yaml only: change them there, reviewed like any change",
    ]
