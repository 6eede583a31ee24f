"""The prewarmed dynamic-provider process: imports done before the engine asks for the provider.

Our language host starts `python -m infra.toolchain.prewarm --cli-pid PID` when Pulumi.yaml's
`runtime.options.prewarm` names this module (infra/toolchain/langhost/prewarm.go), as soon as the
engine first asks it about the program: while the CLI derives the passphrase's key and starts the
program, the machine's other core is idle. One process per CLI run (a lock file); it listens on the
socket of infra/toolchain/provider_launch.py, then imports what the provider process will need, in
the order it needs it: the SDK's dynamic-provider server (the modules `pulumi/dynamic/__main__.py`
imports, read from its source), our Neon providers (unpickled on the first Check), and the Neon
HTTP client with its models, which a create or an update uses. It stops warming as soon as the
launcher connects: what is left is imported on demand, as usual. The launcher then hands over the
engine's pipes, arguments, directory and environment, and this process runs the SDK's
`pulumi.dynamic` module: the provider the engine talks to is the SDK's, in a process that started a
second earlier. It serves only a launcher whose own interpreter and directory it runs with (what
`python -m pulumi.dynamic` would import from); any other goes to the SDK's script.

It never outlives its purpose: unclaimed, it exits when the CLI does (or after `_UNCLAIMED_LIMIT`);
claimed, as the SDK's provider process does: the launcher forwards the engine's signals to this
process's group, requests in flight finish before it exits, and when the engine kills the launcher
(its last resort) this process's group goes with it. A warm-up import that fails is skipped: the
provider imports it again when it needs it, and reports the error there.
`WORKSHELF_PREWARM_TRACE=<file>` appends what happened (tests).
"""

from __future__ import annotations

import argparse
import ast
import atexit
import contextlib
import fcntl
import importlib
import importlib.util
import json
import logging
import os
import runpy
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from infra.toolchain import provider_launch as launch

# How often an unclaimed process checks that the CLI is still there, and how long it waits at most.
_CLI_CHECK = 0.25
_UNCLAIMED_LIMIT = 900.0
_GO_TIMEOUT = 5.0
# Our modules the provider process loads, after the SDK's server: the Neon providers (unpickled on
# the first Check), then the HTTP client and API models a create or an update needs. Not the dev
# stack's local_postgres provider: it would cost the Neon stacks ~80 ms of the other core, and the
# dev stack's time goes to starting PostgreSQL.
OURS = (
    "infra.providers.project",
    "infra.providers.branch",
    "infra.providers.database",
    "infra.providers.role",
    "infra.providers.backup_schedule",
    "infra.providers.secret",
    "infra.neon.client",
)
# Then what their first client needs: the TLS settings, whose CA bundle takes ~50 ms to load.
PREPARE = (("infra.neon._http", "default_tls_context"),)


def sdk_imports() -> list[str]:
    """The modules `pulumi/dynamic/__main__.py` imports at its top level, read from its source."""
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    if spec is None or spec.origin is None:
        return []
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def warm_modules() -> Iterator[str]:
    yield from sdk_imports()
    yield from OURS


def warm(listener: socket.socket) -> int:
    """Import (and prepare) ahead, one step at a time, until the launcher connects; the steps done."""
    steps = [*((name, None) for name in warm_modules()), *PREPARE]
    done = 0
    for name, function in steps:
        if select.select([listener], [], [], 0)[0]:
            break
        try:
            module = importlib.import_module(name)
            if function is not None:
                getattr(module, function)()
        except Exception:  # noqa: S112  # the provider does it again when it needs it, and reports it
            continue
        done += 1
    return done


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name: [state, ppid, ...]; None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def parent_pid(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[1])


def started_at(pid: int) -> str | None:
    """The process's start time (clock ticks since boot): a process id reused later differs in it."""
    fields = _stat_fields(pid)
    return None if fields is None else fields[19]


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the launcher went away")
        data += chunk
    return data


def import_root() -> tuple[Path, Path]:
    """This interpreter's directory and its import root (`python -m` puts its start directory first)."""
    return Path(sys.executable).parent.resolve(), Path(sys.path[0] or os.curdir).resolve()


def _same_origin(request: dict[str, object], root: tuple[Path, Path]) -> bool:
    """The SDK's process would run this interpreter, importing from this directory (the launcher's)."""
    python, cwd = request.get("python"), request.get("cwd")
    if not isinstance(python, str) or not isinstance(cwd, str):
        return False
    return (Path(python).parent.resolve(), Path(cwd).resolve()) == root


def receive(conn: socket.socket, root: tuple[Path, Path]) -> tuple[dict[str, object], list[int]] | None:
    """The launcher's pipes and request, after the two-phase handshake; None if it gave up, or if
    the SDK's process would not be this one (another virtualenv, another directory)."""
    header, fds, _flags, _addr = socket.recv_fds(conn, launch._HEADER.size, len(launch._FDS))
    try:
        if len(fds) != len(launch._FDS) or len(header) != launch._HEADER.size:
            raise ConnectionError("incomplete hand-over")
        (size,) = launch._HEADER.unpack(header)
        request = json.loads(_read_exactly(conn, size))
        if not isinstance(request, dict) or not _same_origin(request, root):
            raise ConnectionError("another interpreter or directory")
        conn.sendall(launch.READY)
        conn.settimeout(_GO_TIMEOUT)
        if conn.recv(1) != launch.GO:
            raise ConnectionError("the launcher gave up")
    except (OSError, ValueError):
        for fd in fds:
            os.close(fd)
        return None
    return request, fds


def claimed(
    listener: socket.socket, cli_pid: int, root: tuple[Path, Path]
) -> tuple[socket.socket, dict[str, object], list[int]] | None:
    """Wait for the launcher started by the same CLI; None when the CLI has gone, or at the limit."""
    listener.settimeout(_CLI_CHECK)
    cli_started = started_at(cli_pid)
    deadline = time.monotonic() + _UNCLAIMED_LIMIT

    def same_cli() -> bool:
        return cli_started is not None and started_at(cli_pid) == cli_started

    while same_cli() and time.monotonic() < deadline:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        pid, uid = launch.peer(conn)
        # The CLI checked again after the peer's parent: a CLI that ended while we waited in accept()
        # may have left its process id to a new one, whose launcher is not ours to serve.
        if uid == os.getuid() and parent_pid(pid) == cli_pid and same_cli():
            conn.settimeout(_GO_TIMEOUT)
            received = receive(conn, root)
            if received is not None:
                return conn, *received
        conn.close()
    return None


def become_provider(conn: socket.socket, request: dict[str, object], fds: list[int]) -> None:
    """Serve the engine on the launcher's pipes, as `python -u -m pulumi.dynamic ARGS` would."""
    threading.Thread(target=_end_with_launcher, args=(conn,), daemon=True).start()
    for target, fd in zip(launch._FDS, fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
    sys.argv = ["pulumi.dynamic", *[str(a) for a in list(request["argv"])]]  # type: ignore[call-overload]
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
    atexit.register(skip_teardown)  # registered last, so the first to run


def skip_teardown() -> None:
    """End, once the SDK's server has stopped and the requests in flight have returned.

    The interpreter's shutdown first waits for the requests still in flight, as it does in the SDK's
    own provider process: gRPC runs them on a thread pool whose workers are daemon threads (started by
    gRPC's daemon thread), which `concurrent.futures` joins in its exit hook, before any atexit
    function. After that, the teardown of a process holding the SDK, gRPC and our modules took ~0.1 s
    more than the SDK's own provider process needs (measured), and the engine waits for the provider
    to end at the end of every command: this function, run first, skips it. Nothing is lost: the
    standard streams are unbuffered, logs are flushed here, and our files are closed by `with` blocks.
    """
    logging.shutdown()
    os._exit(0)


def _end_with_launcher(conn: socket.socket) -> None:
    """The launcher is gone (the engine's SIGKILL after its grace period): end as the plugin's group.

    The engine kills the plugin's whole process group (the SDK's provider and anything it started);
    this process leads its own group (our language host started it so), outside the launcher's.
    """
    conn.settimeout(None)
    try:
        while conn.recv(1):
            pass
    except OSError:
        pass
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cli-pid", type=int, required=True, help="the pulumi CLI's process id")
    args = parser.parse_args(argv)
    root = import_root()
    directory = launch.socket_dir()
    if directory is None or not hasattr(socket, "SO_PEERCRED"):
        return
    path = launch.socket_path(directory, args.cli_pid)
    lock_path = path.with_suffix(".lock")
    with contextlib.ExitStack() as stack:
        lock = stack.enter_context(lock_path.open("w"))
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # this CLI's provider process is already warming
        stack.callback(lock_path.unlink, missing_ok=True)
        listener = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        path.unlink(missing_ok=True)  # a process with this id left it behind
        listener.bind(str(path))
        stack.callback(path.unlink, missing_ok=True)
        listener.listen(4)
        warmed = warm(listener)
        launch.trace("warmed", steps=warmed)
        claim = claimed(listener, args.cli_pid, root)
        if claim is not None:
            launch.trace("claimed", launcher=launch.peer(claim[0])[0], warmed=warmed)
    if claim is not None:
        become_provider(*claim)


if __name__ == "__main__":
    main()
