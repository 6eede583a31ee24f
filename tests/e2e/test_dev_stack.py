"""The dev stack with the native engine under the real Pulumi CLI: up, connect, query, destroy."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from infra.devdb.engine import ENGINE_ENV
from infra.localpg import find_binaries
from tests.support.ports import pick_free_port
from tests.support.pulumi_project import PulumiProject, require_pulumi

pytestmark = pytest.mark.e2e


def test_dev_stack_native_engine_lifecycle(tmp_path: Path) -> None:
    require_pulumi()
    if find_binaries() is None:
        pytest.skip("no PostgreSQL server binaries (CI installs them: apt-get install postgresql)")
    project = PulumiProject.create(tmp_path, {ENGINE_ENV: "native"})
    project.set_config("dev", "dev", "port", pick_free_port())  # never the developer's own 55432
    project.init("dev")
    data_dir = project.root / ".dev" / "pgdata"
    try:
        up = project.up("dev")
        assert "dev engine: native" in up.output
        outputs = project.outputs("dev", secrets=True)
        assert outputs["environment"] == "dev"
        assert outputs["host"] == "127.0.0.1"
        assert "neon_project_id" not in outputs
        with psycopg.connect(outputs["database_url"], connect_timeout=10) as conn:
            user, database = conn.execute("select current_user, current_database()").fetchone()  # type: ignore[misc]
            conn.execute("create table notes (id int primary key, body text)")
            conn.execute("insert into notes values (1, 'hello')")
            assert conn.execute("select body from notes").fetchone() == ("hello",)
        assert (user, database) == ("workshelf", "workshelf")
        assert outputs["database_url"] not in project.state_file("dev").read_text()
    finally:
        project.run("destroy", "--yes", "--skip-preview", stack="dev")
    assert not data_dir.exists()
