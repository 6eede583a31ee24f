"""Benchmark: the real Pulumi CLI against the emulator, `pulumi up --stack staging` from empty and a no-op preview.

Each round starts from an empty emulator and an empty stack in a throwaway copy of the project
(`infra.ops.rehearsal.sandbox`), runs `pulumi up --yes --skip-preview --stack staging` with operations
taking `--seconds` each, then `pulumi preview --stack staging`, which must change nothing. It prints
the requests by kind (the emulator's `GET /_emulator/requests`), the wall time, the operation time
(the sum of the project's operations' `total_duration_ms`; Neon runs them one after another) and
wall - operation time: what the engine, the language host, the program, the provider and our
polling add. Goals: <= 7 requests, <= 1.5 s overhead, no-op preview <= 1.5 s wall and no request.

Bytecode: by default the round's first command is a preview of the empty stack (no API call), so
the program and the providers then run from compiled bytecode; the cache is shared by the rounds,
like `make`'s `PYTHONPYCACHEPREFIX` on a machine, so round 1 is a machine's first `up` (what only
`up` imports, the HTTP client and the API models, is compiled then) and later rounds run from
bytecode throughout. `--cold-bytecode` runs everything with PYTHONDONTWRITEBYTECODE=1 instead
(every process compiles `infra/` and the HTTP client from source).

`--phases` adds a round run with `-v=9 --logflow --logtostderr` and prints when the engine reached
each step (language hosts, program, dynamic-provider process); verbose logging itself slows it.

Run from the repository root:  .venv/bin/python -m benchmarks.pulumi_cli [--repeat 3] [--phases]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import resource
import statistics
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from infra.ops.rehearsal.sandbox import Sandbox
from infra.toolchain.paths import REPO_ROOT
from neon_emulator import EmulatorServer, NeonBackend

STACK = "staging"
PASSPHRASE = "bench-only-passphrase"  # noqa: S105  # a throwaway stack in a temp dir
API_KEY = "bench-key"
GOAL_REQUESTS = 7
GOAL_OVERHEAD = 1.5
GOAL_PREVIEW = 1.5
_PR_SET_CHILD_SUBREAPER = 36

# (label, pattern in the engine's verbose log): the first match of each marks a phase boundary.
PHASES = [
    ("language host 1 launched (About)", r"Launching plugin 'python'"),
    ("language host 1 answered About", r"About\(\) success"),
    ("language host 2 launched", r"gatherPackagesFromProgram"),
    ("program started (Run)", r"langhost\[python\]\.Run\(.*executing"),
    ("program registered its first resource", r"registering resource: ty=pulumi:pulumi:Stack"),
    ("provider process launched", r"Launching plugin 'pulumi-python \(resource\)'"),
    ("provider process answered", r"Provider\[.*\]\.GetPluginInfo\(\) success"),
    ("first provider call answered", r"Provider\[.*\]\.(Check|Create)\(.*success"),
    ("program finished", r"run_pulumi_func completed"),
    ("language host reported Run", r"Run\(.*\) success"),
    ("plugins stopped", r"Update\(preview=.*\) complete"),
]


@dataclass
class Round:
    up: Timing
    operation_time: float
    requests: dict[str, int]
    sequence: list[str]
    preview: Timing
    preview_requests: int
    phases: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    @property
    def overhead(self) -> float:
        return self.up.wall - self.operation_time

    @property
    def total(self) -> int:
        return sum(self.requests.values())


class Emulator:
    def __init__(self, server: EmulatorServer) -> None:
        self.server = server

    def admin(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.server.admin_url}{path}", method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # loopback
            return json.loads(response.read() or b"null")

    def operation_seconds(self) -> float:
        projects = self.admin("GET", "/state")["projects"]
        return sum(op["total_duration_ms"] for p in projects for op in p["operations"]) / 1000.0


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system time of the CLI and every process it started (incl. the prewarmed one)
    log: str


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def adopt_orphans() -> None:
    """Become the subreaper of the processes we start (Linux): the prewarmed provider process outlives
    the language host that started it, and its CPU time counts only once we reap it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)


def reap_orphans(within: float = 1.0) -> None:
    """Wait for adopted processes that are ending (an unclaimed prewarmed process: ~0.25 s)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def timed(sandbox: Sandbox, env: dict[str, str], *args: str) -> Timing:
    cpu, started = _children_cpu(), time.perf_counter()
    done = sandbox.pulumi([*args, "--stack", STACK], env)
    wall = time.perf_counter() - started
    reap_orphans()
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"pulumi {' '.join(args)} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-4000:]}")
    return Timing(wall, cpu, done.stderr)


def phase_marks(log: str, started: float) -> list[tuple[str, float]]:
    """Seconds from the command's start to the first log line matching each phase."""
    stamps: list[tuple[float, str]] = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        stamp = datetime.fromisoformat(str(entry.get("time", "")).replace("Z", "+00:00")).timestamp()
        stamps.append((stamp, str(entry.get("msg", ""))))
    marks = []
    for label, pattern in PHASES:
        hit = next((t for t, msg in stamps if re.search(pattern, msg)), None)
        if hit is not None:
            marks.append((label, hit - started))
    return marks


@dataclass(frozen=True)
class Setup:
    """What is measured: a checkout's code (`--repo`), a CLI and its plugins (`--cli-bin`), bytecode."""

    repo: Path
    cli_bin: Path | None
    cold: bool


def run_round(emulator: Emulator, base: Path, env: dict[str, str], setup: Setup, *, verbose: bool) -> Round:
    emulator.admin("POST", "/reset")
    sandbox = Sandbox.create(base, setup.repo)
    env = sandbox.env(env, PULUMI_CONFIG_PASSPHRASE=PASSPHRASE)
    cold = setup.cold
    if setup.cli_bin is not None:  # found before the virtualenv's wrapper
        env["PATH"] = f"{setup.cli_bin}{os.pathsep}{env['PATH']}"
    # Learned operation durations and bytecode are shared by the rounds: round 1 is a machine's first run.
    env["WORKSHELF_CACHE"] = str(base.parent / "cache")
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(base.parent / "pycache")
    init = sandbox.pulumi(["stack", "init", STACK, "--secrets-provider", "passphrase"], env)
    if init.returncode != 0:
        raise SystemExit(f"pulumi stack init failed:\n{init.stdout}{init.stderr}")
    if not cold:
        timed(sandbox, env, "preview")  # compiles the program's and the providers' bytecode
    extra = ["-v=9", "--logflow", "--logtostderr"] if verbose else []
    emulator.admin("DELETE", "/requests")
    started = time.time()
    up = timed(sandbox, env, "up", "--yes", "--skip-preview", *extra)
    log = emulator.admin("GET", "/requests")
    sequence = [f"{e['method']} {e['route']} {e['status']}" for e in log["requests"]]
    operation_time = emulator.operation_seconds()
    emulator.admin("DELETE", "/requests")
    preview_started = time.time()
    preview = timed(sandbox, env, "preview", *extra)
    preview_requests = emulator.admin("GET", "/requests")["total"]
    phases = {}
    if verbose:
        phases = {"up": phase_marks(up.log, started), "preview": phase_marks(preview.log, preview_started)}
    return Round(up, operation_time, log["counts"], sequence, preview, preview_requests, phases)


def report(rounds: list[Round], seconds: float, setup: Setup) -> None:
    bytecode = "none (PYTHONDONTWRITEBYTECODE=1)" if setup.cold else "cached (after a warm-up preview)"
    print(f"\n`pulumi up --stack {STACK}` from empty, operations {seconds:g}s, bytecode {bytecode}")
    print(f"  code: {setup.repo}; CLI: {setup.cli_bin or 'on PATH'}")
    for n, r in enumerate(rounds, start=1):
        learned = "first run" if n == 1 else "durations learned"
        print(
            f"  round {n} ({learned}): up wall {r.up.wall:6.3f}s  operations {r.operation_time:6.3f}s  "
            f"overhead {r.overhead:6.3f}s  cpu {r.up.cpu:5.2f}s  requests {r.total}  |  "
            f"no-op preview wall {r.preview.wall:6.3f}s  cpu {r.preview.cpu:5.2f}s  {r.preview_requests} requests"
        )
    for label, r in (("first run", rounds[0]), ("durations learned", rounds[-1])):
        kinds = Counter(r.requests)
        print(f"  requests by kind, {label} ({r.total}): " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    last = rounds[-1]
    print("  sequence: " + " · ".join(last.sequence))
    warm = rounds[1:] or rounds
    overhead = statistics.median(r.overhead for r in warm)
    preview = statistics.median(r.preview.wall for r in rounds)
    worst_requests = max(r.total for r in warm)
    print(
        f"  durations learned: median overhead {overhead:.3f}s (goal <= {GOAL_OVERHEAD}), requests <= "
        f"{worst_requests} (goal <= {GOAL_REQUESTS}); median no-op preview {preview:.3f}s (goal <= {GOAL_PREVIEW}), "
        f"preview requests {max(r.preview_requests for r in rounds)} (goal 0)"
    )
    met = (
        overhead <= GOAL_OVERHEAD
        and preview <= GOAL_PREVIEW
        and worst_requests <= GOAL_REQUESTS
        and all(r.preview_requests == 0 for r in rounds)
    )
    print(f"  goals: {'met' if met else 'MISSED'}  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def print_phases(r: Round) -> None:
    for command, marks in r.phases.items():
        print(f"\n  phases of `pulumi {command}` (verbose logging on; seconds since the command started)")
        previous = 0.0
        for label, at in marks:
            print(f"    {at:6.3f}s  (+{at - previous:5.3f})  {label}")
            previous = at


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each operation (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported (default 3)")
    parser.add_argument("--cold-bytecode", action="store_true", help="run with PYTHONDONTWRITEBYTECODE=1")
    parser.add_argument("--phases", action="store_true", help="one more round with the engine's verbose log")
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="the checkout whose program runs (default: this)")
    parser.add_argument("--cli-bin", type=Path, help="a directory with pulumi and its plugins (default: PATH's)")
    args = parser.parse_args()
    adopt_orphans()
    setup = Setup(args.repo.resolve(), args.cli_bin, args.cold_bytecode)
    backend = NeonBackend(plan="scale", operation_seconds=args.seconds, clock=time.time, seed=0, postgres=None)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "NEON_"))}
    with (
        EmulatorServer(backend, host="127.0.0.1", port=0, api_key=API_KEY) as server,
        tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp,
    ):
        env |= {"NEON_API_URL": server.base_url, "NEON_API_KEY": API_KEY}
        emulator = Emulator(server)
        rounds = [run_round(emulator, Path(tmp) / f"round-{n}", env, setup, verbose=False) for n in range(args.repeat)]
        report(rounds, args.seconds, setup)
        if args.phases:
            print_phases(run_round(emulator, Path(tmp) / "phases", env, setup, verbose=True))


if __name__ == "__main__":
    main()
