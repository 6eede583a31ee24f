"""The dev stack as its state records it, and the environment dev Pulumi commands run with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.config import ConfigError
from infra.ops.dev.stack import dev_environment, load_dev, read_stack
from infra.ops.pulumi import PulumiResult
from tests.ops.dev.fakes import PASSWORD, FakePulumi, make_project, make_url


def test_read_stack__no_stack() -> None:
    view = read_stack(FakePulumi().factory({}))
    assert (view.exists, view.engine, view.url) == (False, None, None)


def test_read_stack__native_with_its_secret_url() -> None:
    view = read_stack(FakePulumi().deploy("native").factory({}))
    assert (view.exists, view.engine) == (True, "native")
    assert view.url is not None
    assert view.url.render() == make_url()
    assert PASSWORD not in repr(view)


def test_read_stack__docker() -> None:
    assert read_stack(FakePulumi().deploy("docker").factory({})).engine == "docker"


def test_read_stack__unreadable_export_still_says_the_stack_exists() -> None:
    class Broken:
        def stack_exists(self, _stack: str) -> bool:
            return True

        def run(self, _stack: str, _args: object, **_kw: object) -> PulumiResult:
            return PulumiResult(0, "{not json", "")

    view = read_stack(Broken())  # type: ignore[arg-type]
    assert (view.exists, view.engine, view.url) == (True, None, None)


def test_read_stack__empty_stack_after_destroy() -> None:
    class Empty:
        def stack_exists(self, _stack: str) -> bool:
            return True

        def run(self, _stack: str, _args: object, **_kw: object) -> PulumiResult:
            return PulumiResult(0, json.dumps({"version": 3, "deployment": {}}), "")

    assert read_stack(Empty()).engine is None  # type: ignore[arg-type]


def test_dev_environment__drops_other_environments_credentials() -> None:
    base = {"PATH": "/bin", "NEON_API_KEY": "k", "NEON_API_URL": "u", "PULUMI_ACCESS_TOKEN": "t",
            "WORKSHELF_DEV_ENGINE": "docker", "PULUMI_BACKEND_URL": "s3://team"}  # fmt: skip
    env = dev_environment(base, {"WORKSHELF_DEV_ENGINE": "native"})
    # The backend and passphrase are pinned by `stack_env("dev")`; keys of other services go.
    assert env == {"PATH": "/bin", "PULUMI_BACKEND_URL": "s3://team", "WORKSHELF_DEV_ENGINE": "native"}


def test_load_dev__reads_the_committed_stack_file(tmp_path: Path) -> None:
    ctx = load_dev(make_project(tmp_path))
    assert (ctx.dev.port, ctx.dev.data_dir, ctx.container) == (55432, ".dev/pgdata", "workshelf-dev-postgres-55432")
    assert ctx.data_dir == tmp_path / ".dev" / "pgdata"
    assert ctx.native_spec().major == 17


def test_load_dev__bad_config_names_the_key(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("port: 55432", "port: 80"))
    with pytest.raises(ConfigError, match=r"workshelf-infra:dev\.port"):
        load_dev(project)
