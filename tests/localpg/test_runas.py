"""Who runs the server: root hands it to `postgres` via runuser/setpriv; others run it themselves."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infra.localpg.errors import RunAsError
from infra.localpg.runas import RunAs, ensure_traversable, resolve_run_as

POSTGRES = pwd.struct_passwd(("postgres", "x", 101, 104, "", "/var/lib/postgresql", "/bin/bash"))
DEV = pwd.struct_passwd(("dev", "x", 1000, 1000, "", "/home/dev", "/bin/zsh"))
ROOTISH = pwd.struct_passwd(("toor", "x", 0, 0, "", "/root", "/bin/sh"))


def users(*entries: pwd.struct_passwd) -> dict[str, pwd.struct_passwd]:
    return {e.pw_name: e for e in entries}


def getpwnam_from(table: dict[str, pwd.struct_passwd]) -> Callable[[str], pwd.struct_passwd]:
    def getpwnam(name: str) -> pwd.struct_passwd:
        return table[name]

    return getpwnam


def which_from(*present: str) -> Callable[[str], str | None]:
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_root__runs_as_postgres_via_runuser() -> None:
    run_as = resolve_run_as(euid=0, which=which_from("runuser", "setpriv"), getpwnam=getpwnam_from(users(POSTGRES)))

    assert (run_as.user, run_as.uid, run_as.gid) == ("postgres", 101, 104)
    assert run_as.switches_user
    assert run_as.wrap(["/usr/lib/postgresql/15/bin/pg_ctl", "start"]) == [
        "/usr/bin/runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "start",
    ]  # fmt: skip


def test_root__falls_back_to_setpriv() -> None:
    run_as = resolve_run_as(euid=0, which=which_from("setpriv"), getpwnam=getpwnam_from(users(POSTGRES)))

    assert run_as.wrap(["initdb"]) == [
        "/usr/bin/setpriv", "--reuid=101", "--regid=104", "--init-groups", "--", "initdb",
    ]  # fmt: skip


def test_root__without_runuser_or_setpriv() -> None:
    with pytest.raises(RunAsError, match="neither `runuser` nor `setpriv`"):
        resolve_run_as(euid=0, which=which_from(), getpwnam=getpwnam_from(users(POSTGRES)))


def test_root__missing_service_user__says_how_to_create_it() -> None:
    with pytest.raises(RunAsError) as exc:
        resolve_run_as(euid=0, which=which_from("runuser"), getpwnam=getpwnam_from(users()))

    assert "the system user 'postgres' does not exist" in str(exc.value)
    assert "sudo apt-get install postgresql" in str(exc.value)
    assert "useradd --system --user-group postgres" in str(exc.value)


def test_root__requested_user_is_root_in_disguise() -> None:
    with pytest.raises(RunAsError, match="refuses to run as root"):
        resolve_run_as("toor", euid=0, which=which_from("runuser"), getpwnam=getpwnam_from(users(ROOTISH)))


def test_root__explicit_user() -> None:
    run_as = resolve_run_as("dev", euid=0, which=which_from("runuser"), getpwnam=getpwnam_from(users(DEV)))

    assert run_as.switch == ("/usr/bin/runuser", "-u", "dev", "--")


def test_non_root__runs_as_itself_without_switching() -> None:
    run_as = resolve_run_as(euid=1000, getpwuid=lambda _uid: DEV)

    assert (run_as.user, run_as.uid, run_as.switch) == ("dev", 1000, ())
    assert run_as.wrap(["pg_ctl", "status"]) == ["pg_ctl", "status"]


def test_non_root__cannot_switch_to_another_user() -> None:
    with pytest.raises(RunAsError, match="Only root can run the server as 'postgres'; you are 'dev'"):
        resolve_run_as("postgres", euid=1000, getpwuid=lambda _uid: DEV)


def test_non_root__uid_without_passwd_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "ci")

    def missing(_uid: int) -> pwd.struct_passwd:
        raise KeyError(_uid)

    assert resolve_run_as(euid=4242, getpwuid=missing).user == "ci"


def stat_of(mode: int, uid: int, gid: int) -> os.stat_result:
    return os.stat_result((stat.S_IFDIR | mode, 0, 0, 2, uid, gid, 4096, 0, 0, 0))


@pytest.mark.parametrize(
    ("mode", "owner", "group", "expected"),
    [
        (0o700, 101, 0, True),  # owned by the server user
        (0o700, 0, 0, False),  # root's private directory
        (0o710, 0, 104, True),  # group search for the server user's group
        (0o710, 0, 999, False),  # group search for a group it is not in
        (0o701, 0, 0, True),  # others may search
        (0o754, 0, 0, False),  # others may read but not search
    ],
)
def test_can_traverse(mode: int, owner: int, group: int, expected: bool) -> None:
    run_as = RunAs(user="postgres", uid=101, gid=104, groups=(104, 103), switch=("runuser",))

    assert run_as.can_traverse(stat_of(mode, owner, group)) is expected


@pytest.fixture
def private_tree() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="ws-runas-"))
    try:
        yield base
    finally:
        shutil.rmtree(base)


def test_ensure_traversable__adds_search_bit_only_where_missing(private_tree: Path) -> None:
    closed = private_tree / "closed"
    opened = closed / "open"
    opened.mkdir(parents=True)
    private_tree.chmod(0o755)
    closed.chmod(0o700)
    opened.chmod(0o755)
    stranger = RunAs(user="nobody-here", uid=54321, gid=54321, switch=("runuser",))

    changed = ensure_traversable(opened / "pgdata", stranger, below=private_tree)

    assert changed == [closed]
    assert stat.S_IMODE(closed.stat().st_mode) == 0o701  # search only: the listing stays private
    assert stat.S_IMODE(opened.stat().st_mode) == 0o755


def test_ensure_traversable__nothing_to_do_for_the_invoking_user(private_tree: Path) -> None:
    closed = private_tree / "closed"
    closed.mkdir(mode=0o700)
    me = RunAs(user="me", uid=54321, gid=54321)

    assert ensure_traversable(closed / "pgdata", me, below=private_tree) == []
    assert stat.S_IMODE(closed.stat().st_mode) == 0o700
