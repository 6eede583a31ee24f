"""Benchmark: how close the Neon client's operation waits come to the operations' own duration.

Against the emulator in server mode (real sockets, real time), a client creates a project and then a
branch with a read_write compute, and the script prints the requests made (by kind), the wall time
and wall time / operation time, where operation time is the sum of the operations' `total_duration_ms`
(Neon runs a project's operations one after another). Goals at 2 s: wall <= 1.10 x operation time
and at most 6 polls per operation.

Scenarios, so that a schedule tuned to one case would show:
  same       one fresh client; project and branch at the same duration; then a second round on the
             same client (durations learned).
  mismatch   the branch's operations take a different time than the project's the client learned.
  provider   a new client for each step, as a Pulumi dynamic provider does (nothing kept in memory).

Run from the repository root:  .venv/bin/python -m benchmarks.neon_operations [--seconds 2 0.5 5]
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.neon import NeonClient, models
from neon_emulator import EmulatorServer, NeonBackend

GOAL_RATIO = 1.10
GOAL_POLLS = 6


@dataclass
class Step:
    """One mutation and its operations (final state: the client waited for them)."""

    name: str
    wall: float
    operations: list[models.Operation]

    @property
    def operation_time(self) -> float:
        return sum(op.total_duration_ms for op in self.operations) / 1000.0


@dataclass
class Emulator:
    base_url: str

    def admin(self, method: str, path: str, body: object = None) -> Any:
        root = self.base_url.removesuffix("/api/v2")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310  # loopback emulator, http only
            f"{root}/_emulator{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def set_seconds(self, seconds: float) -> None:
        self.admin("POST", "/config", {"operation_seconds": seconds})

    def client(self) -> NeonClient:
        return NeonClient(api_key="bench-key", base_url=self.base_url)


def create_project(client: NeonClient, label: str) -> tuple[Step, str]:
    started = time.perf_counter()
    created = client.create_project(models.ProjectCreate(name=f"bench-{label}"))
    return Step("create_project", time.perf_counter() - started, created.operations), created.project.id


def create_branch(client: NeonClient, project_id: str, label: str) -> Step:
    started = time.perf_counter()
    created = client.create_branch(
        project_id,
        models.BranchCreate(name=f"preview-{label}"),
        endpoints=[models.BranchEndpointOptions(type="read_write")],
    )
    return Step("create_branch", time.perf_counter() - started, created.operations)


def polls_per_step(requests: list[dict[str, Any]]) -> Counter[int]:
    """Operation polls (one operation's GET, or a chain's list) after each mutation (a POST starts a step)."""
    polls: Counter[int] = Counter()
    step = -1
    for entry in requests:
        if entry["method"] == "POST":
            step += 1
        elif entry["method"] == "GET" and "/operations" in str(entry["path"]):
            polls[step] += 1
    return polls


def measure(emulator: Emulator, title: str, run: Callable[[], list[Step]]) -> bool:
    """Run one scenario with a clean request log and print its figures; True if the goals were met."""
    emulator.admin("DELETE", "/requests")
    steps = run()
    log = emulator.admin("GET", "/requests")
    polls = polls_per_step(log["requests"])
    wall = sum(s.wall for s in steps)
    op_time = sum(s.operation_time for s in steps)
    ratio = wall / op_time
    worst = max(-(-polls[n] // len(s.operations)) for n, s in enumerate(steps))  # per operation, rounded up
    print(f"\n{title}")
    for n, step in enumerate(steps):
        detail = ", ".join(f"{op.action} {op.total_duration_ms / 1000:g}s" for op in step.operations)
        print(
            f"  {step.name:<15} wall {step.wall:6.3f}s  operations {step.operation_time:6.3f}s  "
            f"ratio {step.wall / step.operation_time:5.3f}  [{detail}: {polls[n]} poll(s)]"
        )
    print(f"  {'total':<15} wall {wall:6.3f}s  operations {op_time:6.3f}s  ratio {ratio:5.3f}")
    print(f"  requests ({log['total']}): " + ", ".join(f"{n} {k}" for k, n in sorted(log["counts"].items())))
    met = ratio <= GOAL_RATIO and worst <= GOAL_POLLS
    print(
        f"  goals (ratio <= {GOAL_RATIO}, <= {GOAL_POLLS} polls/operation): "
        f"{'met' if met else 'MISSED'} (ratio {ratio:.3f}, max {worst} polls)"
    )
    return met


def same_duration(emulator: Emulator, seconds: float, rounds: int) -> list[bool]:
    emulator.set_seconds(seconds)
    results = []
    with emulator.client() as client:
        for round_no in range(1, rounds + 1):
            label = f"same-{seconds:g}-{round_no}"

            def run(label: str = label) -> list[Step]:
                project, pid = create_project(client, label)
                return [project, create_branch(client, pid, label)]

            state = "fresh client" if round_no == 1 else f"same client, round {round_no}"
            results.append(measure(emulator, f"[same] operations {seconds:g}s ({state})", run))
    return results


def mismatch(emulator: Emulator, project_seconds: float, branch_seconds: float) -> bool:
    label = f"mismatch-{project_seconds:g}-{branch_seconds:g}"

    def run() -> list[Step]:
        with emulator.client() as client:
            emulator.set_seconds(project_seconds)
            project, pid = create_project(client, label)
            emulator.set_seconds(branch_seconds)
            return [project, create_branch(client, pid, label)]

    title = f"[mismatch] project operations {project_seconds:g}s, then branch operations {branch_seconds:g}s"
    return measure(emulator, title, run)


def provider_style(emulator: Emulator, seconds: float) -> bool:
    label = f"provider-{seconds:g}"
    emulator.set_seconds(seconds)

    def run() -> list[Step]:
        with emulator.client() as client:
            project, pid = create_project(client, label)
        with emulator.client() as client:  # a new process would know nothing: it reads project history
            return [project, create_branch(client, pid, label)]

    return measure(emulator, f"[provider] operations {seconds:g}s, a new client per step", run)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        nargs="+",
        default=[2.0, 0.5, 1.0, 1.5, 3.0, 5.0],
        help="operation durations for the same-duration scenario (default: 2 0.5 1 1.5 3 5)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds on one client per duration (default 2)")
    parser.add_argument("--quick", action="store_true", help="only the 2 s same-duration scenario")
    args = parser.parse_args()
    backend = NeonBackend(plan="scale", operation_seconds=2.0, clock=time.time, seed=0, postgres=None)
    with EmulatorServer(backend, host="127.0.0.1", port=0) as server:
        emulator = Emulator(server.base_url)
        summary: dict[str, bool] = {}
        for seconds in [2.0] if args.quick else args.seconds:
            for n, ok in enumerate(same_duration(emulator, seconds, args.rounds), start=1):
                summary[f"same {seconds:g}s round {n}"] = ok
        if not args.quick:
            for first, second in [(2.0, 1.0), (2.0, 3.0), (1.0, 5.0)]:
                summary[f"mismatch {first:g}s->{second:g}s"] = mismatch(emulator, first, second)
            summary["provider 2s"] = provider_style(emulator, 2.0)
    print("\nsummary: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in summary.items()))


if __name__ == "__main__":
    main()
