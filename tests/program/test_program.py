"""The program under Pulumi mocks, for each real stack file: graph, settings, secrets, protection.

Mocks stand in for the engine (no CLI, no provider calls): these tests check the wiring the
program declares; `tests/providers` and `tests/e2e` check what the providers do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from infra.config.load import read_stack_file
from infra.devdb.docker import DockerState, DockerStatus
from tests.support.pulumi_project import REPO


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]
    protect: bool = False


@dataclass
class Recorder(pulumi.runtime.Mocks):  # type: ignore[misc]
    resources: list[Registered] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs)))
        outputs = dict(args.inputs)
        if args.typ.endswith("neon:Role"):
            outputs |= {"password": "mock-password", "connection_uri": "postgresql://r:mock-password@h/d"}
        if args.typ.endswith("local:Postgres"):
            outputs |= {"password": "mock-password", "host": "127.0.0.1"}
        if args.typ.endswith("local:GeneratedPassword"):
            outputs |= {"value": "mock-password"}
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None

    def of_type(self, suffix: str) -> list[Registered]:
        return [r for r in self.resources if r.type.endswith(suffix)]


@dataclass
class Run:
    recorder: Recorder
    exports: dict[str, Any]
    secret_exports: set[str]


def run_program(stack: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="workshelf-infra", stack=stack, preview=False)
    for key, value in read_stack_file(REPO / f"Pulumi.{stack}.yaml").items():
        pulumi.runtime.set_config(f"workshelf-infra:{key}", value if isinstance(value, str) else json.dumps(value))
    protected: dict[str, bool] = {}

    def remember_protect(args: pulumi.ResourceTransformationArgs) -> None:
        protected[args.name] = bool(args.opts.protect)

    exports: dict[str, Any] = {}
    secret: set[str] = set()

    def fake_export(name: str, value: Any) -> None:
        exports[name] = value

    monkeypatch.setattr(pulumi, "export", fake_export)
    from infra.program import main

    @pulumi.runtime.test  # type: ignore[misc]
    def program() -> pulumi.Output[Any]:
        pulumi.runtime.register_stack_transformation(remember_protect)
        main(REPO)
        names = list(exports)
        return pulumi.Output.all(*[pulumi.Output.from_input(exports[n]) for n in names]).apply(lambda _: names)

    program()
    # Outputs resolve on the event loop the mocked runtime runs on.
    for name, value in list(exports.items()):
        output = pulumi.Output.from_input(value)
        if _sync_await(output.is_secret()):
            secret.add(name)
        exports[name] = _sync_await(output.future())
    for resource in recorder.resources:
        resource.protect = protected.get(resource.name, False)
    return Run(recorder, exports, secret)


@pytest.fixture(autouse=True)
def _no_developer_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program reads this developer's overrides (WORKSHELF_DEV_* in the environment, then REPO/.env,
    which onboarding writes): a clone's own settings must not change what these tests see."""
    for var in ("WORKSHELF_DEV_PORT", "WORKSHELF_DEV_ENGINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("infra.devdb.overrides.read_env_file", lambda _path: {})


@pytest.fixture(autouse=True)
def _clean_config() -> Iterator[None]:
    yield
    pulumi.runtime.config.CONFIG.set({})


DAY = 86_400
SCHEDULES = {
    "staging": [{"frequency": "daily", "hour": 3, "retention_seconds": 7 * DAY}],
    "production": [
        {"frequency": "daily", "hour": 3, "retention_seconds": 30 * DAY},
        {"frequency": "monthly", "day": 1, "hour": 4, "retention_seconds": 365 * DAY},
    ],
}


@pytest.mark.parametrize(("stack", "retention", "plan_max"), [("staging", 604_800, 2), ("production", 2_592_000, 4)])
def test_neon_stack_graph_and_settings(
    stack: str, retention: int, plan_max: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_program(stack, monkeypatch)
    types = [r.type for r in run.recorder.resources]
    assert types[:3] == [
        "workshelf:neon:Database",
        "pulumi-python:dynamic/neon:Project",
        "pulumi-python:dynamic/neon:Branch",
    ]
    # The database and the schedule both wait only for the branch's id: either may register first.
    assert sorted(types[3:]) == [
        "pulumi-python:dynamic/neon:BackupSchedule",
        "pulumi-python:dynamic/neon:Database",
        "pulumi-python:dynamic/neon:Role",
    ]
    # The role is registered after the database: it waits for it (depends_on).
    assert types.index("pulumi-python:dynamic/neon:Role") > types.index("pulumi-python:dynamic/neon:Database")
    schedule = run.recorder.of_type("dynamic/neon:BackupSchedule")[0].inputs
    assert schedule["schedule"] == SCHEDULES[stack]
    assert schedule["branch_id"] == f"{stack}-default-branch-id"  # the default branch's id, not a name
    project = run.recorder.of_type("dynamic/neon:Project")[0].inputs
    assert project["name"] == f"workshelf-{stack}"
    assert project["history_retention_seconds"] == retention
    assert project["region_id"] == "aws-eu-central-1"
    assert project["pg_version"] == 17
    assert project["autoscaling_max_cu"] == plan_max
    assert project["protect_default_branch"] is True
    branch = run.recorder.of_type("dynamic/neon:Branch")[0].inputs
    assert branch["protected"] is True
    assert branch["name"] == "main"
    assert run.recorder.of_type("dynamic/neon:Database")[0].inputs["name"] == "workshelf"
    assert run.recorder.of_type("dynamic/neon:Role")[0].inputs["name"] == "workshelf_owner"
    assert not any("api_key" in k.lower() for r in run.recorder.resources for k in r.inputs)


def test_every_production_resource_is_protected(monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_program("production", monkeypatch)
    custom = [r for r in run.recorder.resources if r.type.startswith("pulumi-python:dynamic/")]
    assert len(custom) == 5
    assert all(r.protect for r in custom), [(r.name, r.protect) for r in custom]


def test_staging_resources_are_not_pulumi_protected(monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_program("staging", monkeypatch)
    assert not any(r.protect for r in run.recorder.resources)


@pytest.mark.parametrize("stack", ["dev", "staging", "production"])
def test_every_stack_exports_the_same_outputs_with_the_url_secret(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHELF_DEV_ENGINE", "native")
    run = run_program(stack, monkeypatch)
    common = {"environment", "database_url", "host", "database", "role"}
    neon = {"neon_project_id", "neon_branch_id"}
    assert set(run.exports) == (common if stack == "dev" else common | neon)
    assert run.exports["environment"] == stack
    assert run.secret_exports == {"database_url"}


def test_dev_native_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHELF_DEV_ENGINE", "native")
    run = run_program("dev", monkeypatch)
    assert [r.type for r in run.recorder.resources] == [
        "workshelf:dev:Database",
        "pulumi-python:dynamic/local:Postgres",
    ]
    server = run.recorder.of_type("dynamic/local:Postgres")[0].inputs
    assert (server["port"], server["database"], server["role"], server["data_dir"]) == (
        55432,
        "workshelf",
        "workshelf",
        ".dev/pgdata",
    )
    assert run.exports["database_url"] == "postgresql://workshelf:mock-password@127.0.0.1:55432/workshelf"
    assert not any(r.type.startswith("pulumi-python:dynamic/neon") for r in run.recorder.resources)


def test_dev_docker_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    answering = DockerStatus(state=DockerState.ENGINE, reason="the Docker engine answers", endpoint="unix:///x")
    monkeypatch.setattr("infra.devdb.engine.detect_docker", lambda: answering)
    monkeypatch.setenv("WORKSHELF_DEV_ENGINE", "docker")
    run = run_program("dev", monkeypatch)
    types = [r.type for r in run.recorder.resources]
    assert types[0] == "workshelf:dev:Database"
    assert sorted(types[1:]) == sorted(
        [
            "pulumi-python:dynamic/local:GeneratedPassword",
            "docker:index/remoteImage:RemoteImage",
            "docker:index/volume:Volume",
            "docker:index/container:Container",
        ]
    )
    image = run.recorder.of_type("remoteImage:RemoteImage")[0].inputs
    assert image["name"] == "postgres:17"
    container = run.recorder.of_type("container:Container")[0].inputs
    assert container["ports"] == [{"internal": 5432, "external": 55432, "ip": "127.0.0.1"}]
    assert container["healthcheck"]["tests"][1].startswith("pg_isready -h 127.0.0.1")
    assert "SELECT 1" in container["healthcheck"]["tests"][1]
    assert container["wait"] is True
    assert run.recorder.of_type("volume:Volume")[0].inputs["name"] == "workshelf-dev-pgdata"


def test_bad_config_fails_before_any_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="workshelf-infra", stack="staging", preview=False)
    values = read_stack_file(REPO / "Pulumi.staging.yaml")
    values["neon"]["historyRetentionSeconds"] = 9_999_999
    for key, value in values.items():
        pulumi.runtime.set_config(f"workshelf-infra:{key}", value if isinstance(value, str) else json.dumps(value))
    from infra.program import main

    with pytest.raises(pulumi.RunError, match=r"workshelf-infra:neon\.historyRetentionSeconds"):
        main(REPO)
    assert recorder.resources == []


def test_dev_port_from_the_developers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHELF_DEV_ENGINE", "native")
    monkeypatch.setenv("WORKSHELF_DEV_PORT", "55433")
    run = run_program("dev", monkeypatch)
    assert run.recorder.of_type("dynamic/local:Postgres")[0].inputs["port"] == 55433
    assert run.exports["database_url"] == "postgresql://workshelf:mock-password@127.0.0.1:55433/workshelf"


def test_a_bad_dev_override_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHELF_DEV_PORT", "5432x")
    with pytest.raises(pulumi.RunError) as caught:
        run_program("dev", monkeypatch)
    assert str(caught.value) == (
        "WORKSHELF_DEV_PORT: must be a port number from 1024 to 65535 (got '5432x', from environment)\n"
        "  hint: e.g. WORKSHELF_DEV_PORT=55433 for this shell, or fix or remove the line in .env"
    )
