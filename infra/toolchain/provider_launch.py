"""The dynamic-provider plugin the engine launches: hand its pipes to a prewarmed provider process.

Why. The engine starts the dynamic-provider process (`python -m pulumi.dynamic`) only when the
program registers its first dynamic resource, and waits for it: ~0.35 s of interpreter start and
SDK imports, then ~0.1 s to load our providers on the first Check and ~0.2 s for the HTTP client
and the API models on the first create, all on `pulumi up`'s critical path while the machine's
other core idles (`make bench-cli ARGS=--phases`). Our language host therefore starts
`infra.toolchain.prewarm` next to the program: it does those imports at once, in parallel, and
waits on a Unix socket. This file, run by the `pulumi-resource-pulumi-python` script in place of
`python -m pulumi.dynamic`, passes the engine's stdin/stdout/stderr, its arguments, directory and
environment to that process, which then serves the engine exactly as the SDK's provider does (it
runs the SDK's `pulumi.dynamic` module). With no prewarmed process (another command, another OS, a
second provider) or any doubt, it runs the SDK's own script instead: never a different provider.

The socket lives in a directory only our user can enter, named after the CLI's process id (the
engine is the parent of both language host and plugin), and both ends check who the other is
(SO_PEERCRED): only a process of our user, started by that CLI, can take the provider over.

Standard library only: this file runs with `python -I -S`, from the directory `make setup` installs
the CLI in (infra/toolchain/hostbuild.py), and is imported by infra/toolchain/prewarm.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
import tempfile
from pathlib import Path

# Two-phase handshake: the provider process says it is ready (READY), we answer GO, and only then
# does it take over the pipes; if we gave up waiting, it sees the closed socket and exits instead.
READY, GO = b"R", b"G"
_HEADER = struct.Struct("!I")
_FDS = (0, 1, 2)
# How long to wait for the prewarmed process to finish its imports (normally well under a second).
READY_TIMEOUT = 20.0
SDK_SCRIPT = "pulumi-resource-pulumi-python.sdk"


def socket_dir() -> Path | None:
    """A directory only this user can enter (created when missing), or None when that is not so."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    path = Path(base) / f"workshelf-infra-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
    except OSError:
        return None
    private = info.st_uid == os.getuid() and (info.st_mode & 0o077) == 0 and path.is_dir() and not path.is_symlink()
    return path if private else None


def socket_path(directory: Path, cli_pid: int) -> Path:
    return directory / f"provider-{cli_pid}.sock"


def peer(sock: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end of a Unix socket."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", creds)
    return pid, uid


def trace(event: str, **details: object) -> None:
    """One JSON line in $WORKSHELF_PREWARM_TRACE, when set: how a provider process came to be (tests)."""
    target = os.environ.get("WORKSHELF_PREWARM_TRACE")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({"event": event, "pid": os.getpid(), **details}) + "\n")


def encode(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return _HEADER.pack(len(body)) + body


def handed_over(args: list[str]) -> bool:
    """Hand this process's pipes to the prewarmed provider; True once it has served them."""
    if not hasattr(socket, "SO_PEERCRED") or (directory := socket_dir()) is None:
        return False
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(socket_path(directory, os.getppid())))
        pid, uid = peer(sock)
        if uid != os.getuid():
            raise ConnectionRefusedError(f"the socket belongs to user {uid}")
        message = encode({"argv": args, "cwd": os.getcwd(), "env": dict(os.environ), "python": sys.executable})
        socket.send_fds(sock, [message[: _HEADER.size]], list(_FDS))
        sock.sendall(message[_HEADER.size :])
        sock.settimeout(READY_TIMEOUT)
        if sock.recv(1) != READY:
            raise ConnectionAbortedError("the prewarmed process did not take the provider over")
        sock.sendall(GO)
    except OSError as exc:
        sock.close()
        trace("fallback", reason=f"{type(exc).__name__}: {exc}")
        return False
    serve_as(sock, pid)
    return True


def serve_as(sock: socket.socket, pid: int) -> None:
    """Stand in for the provider process until it exits; the engine's signals go to it.

    The engine signals the plugin's process group, which for the SDK's script holds the provider and
    whatever it started (a `pg_ctl`, a `docker` call); the prewarmed process leads its own group.
    """
    group = pid if _leads_its_group(pid) else None

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            if group is None:
                os.kill(pid, signum)
            else:
                os.killpg(group, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    sock.settimeout(None)
    while True:
        try:
            if not sock.recv(1):  # the provider process ended
                return
        except InterruptedError:
            continue
        except OSError:
            return


def _leads_its_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def main() -> None:
    args = sys.argv[1:]
    if handed_over(args):
        return
    script = Path(__file__).resolve().with_name(SDK_SCRIPT)
    os.execv(script, [str(script), *args])  # noqa: S606  # the SDK's launcher, as the engine would run it


if __name__ == "__main__":
    main()
