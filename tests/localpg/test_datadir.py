"""status() classification over fake data directories: absent, ours, foreign, corrupted, running, stale."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from infra.localpg._proc import is_postmaster
from infra.localpg.datadir import (
    MARKER_NAME,
    ClusterState,
    classify,
    read_marker,
    read_postmaster_pid,
)
from tests.localpg.fakes import fake_proc_entry, make_data_dir, write_pid_file


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_missing_directory_is_absent(tmp_path: Path) -> None:
    status = classify(tmp_path / "pgdata", expected_major=15)

    assert status.state is ClusterState.ABSENT
    assert not status.ours


def test_empty_directory_is_absent(tmp_path: Path) -> None:
    (tmp_path / "pgdata").mkdir()

    assert classify(tmp_path / "pgdata", expected_major=15).state is ClusterState.ABSENT


def test_our_cluster_without_pid_file_is_stopped(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")

    status = classify(data, expected_major=15)

    assert status.state is ClusterState.STOPPED
    assert status.ours
    assert status.marker is not None
    assert (status.marker.major, status.marker.superuser) == (15, "admin")
    assert not status.stale_pid_file


def test_postgres_data_directory_without_marker_is_foreign(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", marker=False)

    status = classify(data, expected_major=15)

    assert status.state is ClusterState.FOREIGN
    assert not status.ours
    assert "a PostgreSQL 15 data directory not created by workshelf" in status.detail
    assert MARKER_NAME in status.detail


def test_directory_of_other_files_is_foreign(tmp_path: Path) -> None:
    (tmp_path / "pgdata").mkdir()
    (tmp_path / "pgdata" / "notes.txt").write_text("mine")

    status = classify(tmp_path / "pgdata", expected_major=15)

    assert status.state is ClusterState.FOREIGN
    assert "not a PostgreSQL data directory" in status.detail


def test_a_file_in_place_of_the_directory_is_foreign(tmp_path: Path) -> None:
    (tmp_path / "pgdata").write_text("oops")

    assert classify(tmp_path / "pgdata", expected_major=15).state is ClusterState.FOREIGN


def test_our_cluster_from_another_major_is_foreign_but_ours(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", pg_version="14", marker_major=14)

    status = classify(data, expected_major=15)

    assert status.state is ClusterState.FOREIGN
    assert status.ours  # so destroy() may delete it
    assert "created by PostgreSQL 14 but the binaries are 15" in status.detail


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"pg_version": None}, "PG_VERSION is missing or unreadable"),
        ({"pg_version": "fifteen"}, "PG_VERSION is missing or unreadable"),
        ({"pg_control": False}, "global/pg_control is missing"),
        ({"pg_version": "16", "marker_major": 15}, "PG_VERSION says 16 but the marker says 15"),
    ],
)
def test_marker_with_broken_cluster_files_is_corrupted(tmp_path: Path, kwargs: dict[str, object], problem: str) -> None:
    data = make_data_dir(tmp_path / "pgdata", **kwargs)

    status = classify(data, expected_major=15)

    assert status.state is ClusterState.CORRUPTED
    assert status.ours
    assert problem in status.detail
    assert "destroy it" in status.detail


def test_pg_version_that_is_a_directory_is_corrupted(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", pg_version=None)
    (data / "PG_VERSION").mkdir()

    assert classify(data, expected_major=15).state is ClusterState.CORRUPTED


def test_unreadable_marker_is_corrupted_and_still_ours(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")
    (data / MARKER_NAME).write_text("{not json")

    status = classify(data, expected_major=15)

    assert status.state is ClusterState.CORRUPTED
    assert status.ours
    assert status.marker is None
    assert "cannot be read" in status.detail


def test_pid_file_of_a_dead_process_is_stale(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")
    write_pid_file(data, dead_pid())

    status = classify(data, expected_major=15)

    assert status.state is ClusterState.STOPPED
    assert status.stale_pid_file
    assert "left by a crash or reboot" in status.detail


def test_pid_file_naming_a_live_non_postgres_process_is_stale(tmp_path: Path) -> None:
    # After a reboot the old pid often belongs to something else (here: pytest itself).
    data = make_data_dir(tmp_path / "pgdata")
    write_pid_file(data, os.getpid())

    status = classify(data, expected_major=15)

    assert status.state is ClusterState.STOPPED
    assert status.stale_pid_file


def test_unparsable_pid_file_is_stale(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")
    (data / "postmaster.pid").write_text("garbage\n")

    assert classify(data, expected_major=15).stale_pid_file


def test_live_postmaster_for_this_directory_is_running(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")
    write_pid_file(data, os.getpid(), port=54329)
    proc = tmp_path / "proc"
    fake_proc_entry(proc, os.getpid(), argv0="/usr/lib/postgresql/15/bin/postgres", cwd=data)

    status = classify(data, expected_major=15, proc_root=proc)

    assert status.state is ClusterState.RUNNING
    assert (status.pid, status.port) == (os.getpid(), 54329)


def test_postmaster_of_another_data_directory_is_not_ours(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")
    other = tmp_path / "other"
    other.mkdir()
    proc = tmp_path / "proc"
    fake_proc_entry(proc, os.getpid(), argv0="postgres: checkpointer", cwd=other)

    assert not is_postmaster(os.getpid(), data, proc_root=proc)


def test_backend_process_title_still_counts_as_postgres(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata")
    proc = tmp_path / "proc"
    fake_proc_entry(proc, os.getpid(), argv0="postgres: checkpointer ", cwd=data)

    assert is_postmaster(os.getpid(), data, proc_root=proc)


def test_read_postmaster_pid__real_format(tmp_path: Path) -> None:
    write_pid_file(tmp_path, 14131, port=54399)

    parsed = read_postmaster_pid(tmp_path)

    assert parsed is not None
    assert (parsed.pid, parsed.port, parsed.socket_dir) == (14131, 54399, str(tmp_path))


def test_read_marker_round_trip(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "pgdata", superuser="boss")

    marker = read_marker(data)

    assert (marker.tool, marker.format, marker.superuser, marker.socket_dir) == (
        "workshelf-infra",
        1,
        "boss",
        data,
    )
