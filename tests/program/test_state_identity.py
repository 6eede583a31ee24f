"""What the state remembers of the program must never change by accident: URNs and pickled providers.

A URN is the stack, the project, the chain of type tokens (component, then resource) and the name; a
dynamic resource's provider is pickled *by reference* (its module path and class name) into the state.
Renaming a Python class or moving a module is fine only while these stay the same: otherwise the
next `pulumi up` would replace every resource (deleting the databases) or fail to unpickle the
provider of the resources it has. Changing one of these on purpose needs a Pulumi alias.

The program runs under Pulumi mocks here; the mocked runtime puts the stack resource at the root of
every URN (`pulumi:pulumi:Stack$`), which the real engine does not, so it is cut off.
"""

from __future__ import annotations

import base64
import json

import dill
import pulumi
import pytest
from pulumi.runtime import settings

from infra.devdb.docker import DockerState, DockerStatus
from tests.program.test_program import run_program

_MOCK_ROOT = "pulumi:pulumi:Stack$"

NEON = [
    ("workshelf:neon:Database", "{stack}"),
    ("workshelf:neon:Database$pulumi-python:dynamic/neon:BackupSchedule", "{stack}-backup-schedule"),
    ("workshelf:neon:Database$pulumi-python:dynamic/neon:Branch", "{stack}-default-branch"),
    ("workshelf:neon:Database$pulumi-python:dynamic/neon:Database", "{stack}-database"),
    ("workshelf:neon:Database$pulumi-python:dynamic/neon:Project", "{stack}-project"),
    ("workshelf:neon:Database$pulumi-python:dynamic/neon:Role", "{stack}-owner-role"),
]
NEON_PROVIDERS = [
    ("pulumi-python:dynamic/neon:Project", "{stack}-project", "infra.providers.project", "NeonProjectProvider"),
    ("pulumi-python:dynamic/neon:Branch", "{stack}-default-branch", "infra.providers.branch", "NeonBranchProvider"),
    ("pulumi-python:dynamic/neon:Database", "{stack}-database", "infra.providers.database", "NeonDatabaseProvider"),
    (
        "pulumi-python:dynamic/neon:BackupSchedule",
        "{stack}-backup-schedule",
        "infra.providers.backup_schedule",
        "NeonBackupScheduleProvider",
    ),
    ("pulumi-python:dynamic/neon:Role", "{stack}-owner-role", "infra.providers.role", "NeonRoleProvider"),
]
EXPECTED: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str, str, str]]]] = {
    "dev-native": (
        [
            ("workshelf:dev:Database", "dev"),
            ("workshelf:dev:Database$pulumi-python:dynamic/local:Postgres", "dev-postgres"),
        ],
        [
            (
                "pulumi-python:dynamic/local:Postgres",
                "dev-postgres",
                "infra.providers.local_postgres",
                "LocalPostgresProvider",
            )
        ],
    ),
    "dev-docker": (
        [
            ("workshelf:dev:Database", "dev"),
            ("workshelf:dev:Database$docker:index/container:Container", "dev-container"),
            ("workshelf:dev:Database$docker:index/remoteImage:RemoteImage", "dev-image"),
            ("workshelf:dev:Database$docker:index/volume:Volume", "dev-volume"),
            ("workshelf:dev:Database$pulumi-python:dynamic/local:GeneratedPassword", "dev-password"),
        ],
        [
            (
                "pulumi-python:dynamic/local:GeneratedPassword",
                "dev-password",
                "infra.providers.secret",
                "GeneratedPasswordProvider",
            )
        ],
    ),
    "staging": (NEON, NEON_PROVIDERS),
    "production": (NEON, NEON_PROVIDERS),
}


def _identity(stack: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    run = run_program(stack, monkeypatch)
    urns = sorted(urn.replace(_MOCK_ROOT, "", 1) for urn in settings.get_monitor().get_registered_resources())
    providers = []
    for resource in run.recorder.resources:
        pickled = resource.inputs.get("__provider")
        if pickled is None:
            continue
        raw = base64.b64decode(pickled)
        provider = dill.loads(raw)  # noqa: S301  # our own provider, pickled by this very test run
        module, name = type(provider).__module__, type(provider).__qualname__
        # By reference: the state holds the import path, not the class's code.
        assert module.encode() in raw, module
        assert name.encode() in raw, name
        providers.append((resource.type, resource.name, module, name))
    pulumi.runtime.config.CONFIG.set({})
    return urns, providers


@pytest.mark.parametrize("case", list(EXPECTED))
def test_urns_type_tokens_and_pickled_providers_are_stable(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stack, _, engine = case.partition("-")
    if engine:
        answering = DockerStatus(state=DockerState.ENGINE, reason="the Docker engine answers", endpoint="unix:///x")
        monkeypatch.setattr("infra.devdb.engine.detect_docker", lambda: answering)
        monkeypatch.setenv("WORKSHELF_DEV_ENGINE", engine)
    urns, providers = _identity(stack, monkeypatch)
    want_urns, want_providers = EXPECTED[case]
    assert urns == sorted(f"urn:pulumi:{stack}::workshelf-infra::{t}::{n.format(stack=stack)}" for t, n in want_urns)
    # Sorted: resources that wait for the same output register in either order.
    want = sorted((t, n.format(stack=stack), m, c) for t, n, m, c in want_providers)
    assert sorted(providers) == want, json.dumps(providers)
