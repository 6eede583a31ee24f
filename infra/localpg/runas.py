"""Who runs initdb/pg_ctl/postgres, and the file-permission work that makes that possible.

PostgreSQL refuses to run as root (a server bug must not hand out root), so when we are root (CI,
containers) the cluster runs as an unprivileged system user, `postgres` by default (the Debian package
creates it), via `runuser` (or `setpriv` where util-linux ships no runuser). That user owns the data
directory, its log and socket, and must be able to traverse every parent directory to reach them. On a
developer's laptop we are not root and the cluster simply runs as the invoking user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.localpg.errors import RunAsError

__all__ = ["DEFAULT_SERVICE_USER", "RunAs", "ensure_traversable", "resolve_run_as"]

DEFAULT_SERVICE_USER = "postgres"


class RunAs(BaseModel):
    """The OS user the server runs as, and the command prefix that switches to it."""

    model_config = ConfigDict(frozen=True)

    user: str
    uid: int
    gid: int
    groups: tuple[int, ...] = ()
    # Empty when we already are that user.
    switch: tuple[str, ...] = ()

    @property
    def switches_user(self) -> bool:
        return bool(self.switch)

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """The command line that runs `argv` as this user."""
        return [*self.switch, *argv]

    def can_traverse(self, info: os.stat_result) -> bool:
        """Whether this user may search (x) a directory with this stat, by its mode bits."""
        if self.uid == 0:
            return True
        if info.st_uid == self.uid:
            return bool(info.st_mode & stat.S_IXUSR)
        if info.st_gid == self.gid or info.st_gid in self.groups:
            return bool(info.st_mode & stat.S_IXGRP)
        return bool(info.st_mode & stat.S_IXOTH)


def resolve_run_as(
    user: str | None = None,
    *,
    euid: int | None = None,
    which: Callable[[str], str | None] = shutil.which,
    getpwnam: Callable[[str], pwd.struct_passwd] = pwd.getpwnam,
    getpwuid: Callable[[int], pwd.struct_passwd] = pwd.getpwuid,
) -> RunAs:
    """Pick the server user: `user` (or `postgres`) when we are root, else ourselves."""
    effective = os.geteuid() if euid is None else euid
    if effective != 0:
        return _as_self(effective, user, getpwuid)
    target = user or DEFAULT_SERVICE_USER
    try:
        entry = getpwnam(target)
    except KeyError:
        raise RunAsError(
            f"PostgreSQL cannot run as root and the system user '{target}' does not exist. Install the "
            "server package (sudo apt-get install postgresql creates 'postgres'), or create one with "
            f"`useradd --system --user-group {target}`, or run this as a normal user."
        ) from None
    if entry.pw_uid == 0:
        raise RunAsError(f"'{target}' is root; PostgreSQL refuses to run as root. Choose an unprivileged user.")
    return RunAs(
        user=target,
        uid=entry.pw_uid,
        gid=entry.pw_gid,
        groups=tuple(os.getgrouplist(target, entry.pw_gid)),
        switch=_switch_command(target, entry, which),
    )


def ensure_traversable(path: Path, run_as: RunAs, *, below: Path | None = None) -> list[Path]:
    """Add search permission (o+x, never read) to each parent of `path` that `run_as` cannot enter.

    Returns the directories changed, so callers can tell the developer. Only needed when we switch
    users: the invoking user can already reach its own directories. `below` limits the walk to
    `below` and the parents inside it (tests use it to leave the real temp directory alone).
    """
    if not run_as.switches_user:
        return []
    changed: list[Path] = []
    for parent in reversed(path.absolute().parents):
        if below is not None and not parent.is_relative_to(below):
            continue
        info = parent.stat()
        if not run_as.can_traverse(info):
            os.chmod(parent, stat.S_IMODE(info.st_mode) | stat.S_IXOTH)
            changed.append(parent)
    return changed


def _as_self(euid: int, requested: str | None, getpwuid: Callable[[int], pwd.struct_passwd]) -> RunAs:
    try:
        entry = getpwuid(euid)
        name, gid = entry.pw_name, entry.pw_gid
    except KeyError:  # containers may run an uid without a passwd entry
        name, gid = os.environ.get("USER", str(euid)), os.getegid()
    if requested is not None and requested != name:
        raise RunAsError(
            f"Only root can run the server as '{requested}'; you are '{name}'. "
            "Leave run_as unset to run the cluster as yourself."
        )
    return RunAs(user=name, uid=euid, gid=gid)


def _switch_command(target: str, entry: pwd.struct_passwd, which: Callable[[str], str | None]) -> tuple[str, ...]:
    runuser = which("runuser")
    if runuser:
        return (runuser, "-u", target, "--")
    setpriv = which("setpriv")
    if setpriv:
        return (setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", "--")
    raise RunAsError(
        "Running as root, but neither `runuser` nor `setpriv` (util-linux) is available to start "
        f"PostgreSQL as '{target}'. Install util-linux, or run this as a normal user."
    )
