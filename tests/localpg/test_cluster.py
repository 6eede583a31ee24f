"""LocalCluster decisions that need no server: refusals, idempotent init, destroy safety, log tail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infra.localpg import (
    ClusterAbsentError,
    ClusterNotRunningError,
    ClusterState,
    ClusterStateError,
    CorruptedClusterError,
    DestroyRefusedError,
    ForeignDataDirError,
    LocalCluster,
    LocalPgError,
    PgBinaries,
    RunAs,
    StartError,
    socket_dir_for,
)
from infra.localpg.cluster import STAGING_SUFFIX
from infra.localpg.datadir import LOG_NAME
from infra.localpg.errors import SqlError
from tests.localpg.fakes import make_data_dir

ME = RunAs(user="me", uid=os.geteuid(), gid=os.getegid())


def cluster_at(data_dir: Path, tmp_path: Path) -> LocalCluster:
    # Binaries that do not exist: any attempt to run initdb/pg_ctl would fail loudly.
    binaries = PgBinaries(bindir=tmp_path / "no-such-bin", major=15)
    return LocalCluster(data_dir, 54329, binaries, run_as=ME)


def test_socket_dir_is_the_data_dir_when_the_path_fits(tmp_path: Path) -> None:
    assert socket_dir_for(tmp_path / "pgdata") == tmp_path / "pgdata"


def test_socket_dir_moves_to_a_private_tmp_dir_for_long_paths(tmp_path: Path) -> None:
    deep = Path("/home/developer") / ("very-long-directory-name" * 4) / ".dev" / "pgdata"

    chosen = socket_dir_for(deep, tmp_root=tmp_path)

    assert chosen.parent == tmp_path
    assert chosen.name.startswith("workshelf-pg-")
    assert chosen == socket_dir_for(deep, tmp_root=tmp_path)  # stable across runs


def test_socket_dir_avoids_paths_that_need_quoting_in_the_config(tmp_path: Path) -> None:
    assert socket_dir_for(Path("/srv/a,b/pgdata"), tmp_root=tmp_path).parent == tmp_path


def test_start_without_init(tmp_path: Path) -> None:
    with pytest.raises(ClusterAbsentError, match="run init first"):
        cluster_at(tmp_path / "pgdata", tmp_path).start()


def test_start_refuses_a_foreign_data_directory(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", marker=False)

    with pytest.raises(ForeignDataDirError, match="not created by workshelf"):
        cluster_at(data, tmp_path).start()


def test_init_refuses_a_foreign_data_directory_and_changes_nothing(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", marker=False)
    before = sorted(p.name for p in data.iterdir())

    with pytest.raises(ForeignDataDirError):
        cluster_at(data, tmp_path).init("admin", "pw")

    assert sorted(p.name for p in data.iterdir()) == before
    assert not (tmp_path / f"pgdata{STAGING_SUFFIX}").exists()


def test_init_refuses_a_corrupted_cluster(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", pg_control=False)

    with pytest.raises(CorruptedClusterError, match="destroy it"):
        cluster_at(data, tmp_path).init("admin", "pw")


def test_init_is_idempotent_on_our_cluster(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", superuser="admin")

    status = cluster_at(data, tmp_path).init("admin", "pw")  # would fail if it ran initdb

    assert status.state is ClusterState.STOPPED


def test_init_with_another_superuser_name(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", superuser="admin")

    with pytest.raises(ClusterStateError, match="initialised with superuser 'admin', not 'root'"):
        cluster_at(data, tmp_path).init("root", "pw")


@pytest.mark.parametrize("password", ["", "two\nlines", "nul\0byte"])
def test_init_rejects_passwords_initdb_cannot_take(tmp_path: Path, password: str) -> None:
    with pytest.raises(LocalPgError, match="non-empty and on one line"):
        cluster_at(tmp_path / "pgdata", tmp_path).init("admin", password)


def test_init_rejects_an_impossible_superuser_name(tmp_path: Path) -> None:
    with pytest.raises(SqlError, match="Invalid superuser name"):
        cluster_at(tmp_path / "pgdata", tmp_path).init("x" * 64, "pw")


def test_init_failure_leaves_no_staging_directory(tmp_path: Path) -> None:
    with pytest.raises(LocalPgError, match="Cannot run"):
        cluster_at(tmp_path / "pgdata", tmp_path).init("admin", "pw")

    assert not (tmp_path / f"pgdata{STAGING_SUFFIX}").exists()
    assert not (tmp_path / "pgdata").exists()


def test_init_clears_a_staging_directory_left_by_a_crash(tmp_path: Path) -> None:
    leftover = tmp_path / f"pgdata{STAGING_SUFFIX}"
    leftover.mkdir()
    (leftover / "PG_VERSION").write_text("15\n")

    with pytest.raises(LocalPgError, match="Cannot run"):  # the fake binaries stop it after the cleanup
        cluster_at(tmp_path / "pgdata", tmp_path).init("admin", "pw")

    assert not leftover.exists()


def test_stop_is_a_no_op_when_stopped_or_absent(tmp_path: Path) -> None:
    assert cluster_at(tmp_path / "none", tmp_path).stop().state is ClusterState.ABSENT
    data = make_data_dir(tmp_path / "pgdata")
    assert cluster_at(data, tmp_path).stop().state is ClusterState.STOPPED


def test_ensure_role_needs_a_running_server(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")

    with pytest.raises(ClusterNotRunningError, match="is stopped; start it first"):
        cluster_at(data, tmp_path).ensure_role("dev", "pw")


def test_destroy_absent_is_a_no_op(tmp_path: Path) -> None:
    assert cluster_at(tmp_path / "pgdata", tmp_path).destroy() is False


def test_destroy_refuses_a_foreign_directory_and_keeps_it(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", marker=False)

    with pytest.raises(DestroyRefusedError, match="Refusing to delete"):
        cluster_at(data, tmp_path).destroy()

    assert (data / "PG_VERSION").exists()


def test_destroy_refuses_a_directory_of_other_files(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('precious')\n")

    with pytest.raises(DestroyRefusedError):
        cluster_at(tmp_path / "src", tmp_path).destroy()

    assert (tmp_path / "src" / "main.py").exists()


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"pg_control": False}, {"pg_version": "14", "marker_major": 14}],
    ids=["stopped", "corrupted", "old-major"],
)
def test_destroy_removes_our_cluster_in_any_state(tmp_path: Path, kwargs: dict[str, object]) -> None:
    data = make_data_dir(tmp_path / "pgdata", **kwargs)

    assert cluster_at(data, tmp_path).destroy() is True
    assert not data.exists()


def test_log_tail_reads_only_the_end_of_a_long_log(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")
    (data / LOG_NAME).write_text("".join(f"line {i}\n" for i in range(5000)))

    assert cluster_at(data, tmp_path).log_tail(3) == ["line 4997", "line 4998", "line 4999"]


def test_log_tail_without_log(tmp_path: Path) -> None:
    assert cluster_at(tmp_path / "pgdata", tmp_path).log_tail() == []


def test_start_error_shows_output_and_log_lines() -> None:
    error = StartError("PostgreSQL did not start.", log_lines=["FATAL:  boom"], output="pg_ctl: could not start\n")

    assert str(error) == (
        "PostgreSQL did not start.\n"
        "command output:\n  | pg_ctl: could not start\n"
        "last server log lines:\n  | FATAL:  boom"
    )
    assert error.log_lines == ("FATAL:  boom",)


def test_repr_shows_where_not_secrets(tmp_path: Path) -> None:
    cluster = cluster_at(tmp_path / "pgdata", tmp_path)

    assert repr(cluster) == f"LocalCluster(data_dir='{tmp_path / 'pgdata'}', port=54329, major=15)"
