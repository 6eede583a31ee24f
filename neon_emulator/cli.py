"""Command line: `python -m neon_emulator [--host H] [--port P] [--api-key K] [--plan scale]
[--org ORG_ID=PLAN ...] [--operation-seconds S] [--seed N] [--fault SPEC ...] [--postgres-dsn DSN]`.

`--fault` takes `KIND[xCOUNT][:METHOD][:PATH][:key=value...]`, where KIND is a status (423, 429, 500,
502, 503), `latency=SECONDS`, `drop_before`, `drop_after` or `op_failed`; COUNT is a number or `*`
(every matching request). Examples: `423x2:POST:/projects/*/branches`, `429x1:retry_after=2`, `502x1`,
`latency=0.3` (every request), `drop_after:POST:/projects`, `op_failedx1`. Without a count a fault
affects one request, except latency, which affects all.

The API key and DSN may come from NEON_EMULATOR_API_KEY / NEON_EMULATOR_POSTGRES_DSN instead of the
command line (which other local users can read); neither is ever printed.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from neon_emulator.backend import NeonBackend
from neon_emulator.faults import FaultRule
from neon_emulator.pgbacking import PostgresBacking
from neon_emulator.plans import ORG_ID, PLANS
from neon_emulator.server import EmulatorServer

FAULT_SYNTAX = """fault syntax: KIND[xCOUNT][:METHOD][:PATH][:key=value...]
  KIND   423 | 429 | 500 | 502 | 503 | latency=SECONDS | drop_before | drop_after | op_failed
  COUNT  number of matching requests (operations for op_failed), or * for all;
         default 1, except latency (all)
  keys   retry_after=SECONDS (429 only), error=TEXT
examples: 423x2:POST:/projects/*/branches  429x1:retry_after=2  502x1  latency=0.3
          drop_after:POST:/projects  op_failedx1"""
_HEAD = re.compile(r"^(?P<kind>.+?)(?:\s*x(?P<count>\d+|\*))?$")
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
_KINDS = {
    "drop_before": "drop_before",
    "drop_after": "drop_after",
    "op_failed": "operation_failed",
    "operation_failed": "operation_failed",
}


def parse_fault_spec(spec: str) -> FaultRule:
    """Turn a `--fault` argument into a `FaultRule` (ValueError with a readable message if malformed)."""
    head, *parts = spec.strip().split(":")
    match = _HEAD.match(head.strip())
    if match is None:
        raise ValueError(f"bad fault spec {spec!r}")
    kind_text, count_text = match["kind"].strip(), match["count"]
    fields: dict[str, object] = {}
    if kind_text.isdigit():
        fields.update(kind="status", status=int(kind_text))
    elif kind_text.startswith("latency="):
        fields.update(kind="latency", seconds=float(kind_text.removeprefix("latency=")), count=None)
    elif kind_text in _KINDS:
        fields["kind"] = _KINDS[kind_text]
    else:
        raise ValueError(f"unknown fault kind {kind_text!r} in {spec!r}")
    if count_text is not None:
        fields["count"] = None if count_text == "*" else int(count_text)
    for part in parts:
        if part.upper() in _METHODS:
            fields["method"] = part.upper()
        elif part.startswith("/"):
            fields["path"] = part
        elif "=" in part:
            key, _, value = part.partition("=")
            if key not in ("retry_after", "seconds", "count", "error"):
                raise ValueError(f"unknown fault option {key!r} in {spec!r}")
            fields[key] = value
        else:
            raise ValueError(f"cannot read {part!r} in fault spec {spec!r}")
    return FaultRule.model_validate(fields)


def _fault(spec: str) -> FaultRule:
    try:
        return parse_fault_spec(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _org_plan(text: str) -> tuple[str, str]:
    org_id, sep, plan = text.partition("=")
    if not sep or not ORG_ID.match(org_id) or plan not in PLANS:
        raise argparse.ArgumentTypeError(
            f"expected ORG_ID=PLAN with ORG_ID matching ^[a-z0-9-]{{1,60}}$ and PLAN one of "
            f"{', '.join(sorted(PLANS))}, got {text!r}"
        )
    return org_id, plan


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m neon_emulator",
        description="Offline Neon API v2 emulator.",
        epilog=FAULT_SYNTAX,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("NEON_EMULATOR_API_KEY"),
        help="require exactly this bearer key (default: $NEON_EMULATOR_API_KEY, else any non-empty key)",
    )
    parser.add_argument(
        "--plan",
        choices=sorted(PLANS),
        default="scale",
        help="Neon plan of projects without an organization (or in an undeclared one)",
    )
    parser.add_argument(
        "--org",
        type=_org_plan,
        action="append",
        default=[],
        metavar="ORG_ID=PLAN",
        help="the plan of one organization, e.g. --org org-staging=launch (repeatable)",
    )
    parser.add_argument("--operation-seconds", type=float, default=0.05, help="duration of each operation")
    parser.add_argument("--seed", type=int, default=0, help="seed for generated ids and passwords")
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault, e.g. 423x2:POST:/projects/*/branches (repeatable)",
    )
    parser.add_argument(
        "--postgres-dsn",
        default=os.environ.get("NEON_EMULATOR_POSTGRES_DSN"),
        help="superuser DSN of a PostgreSQL server to back databases and roles (default: $NEON_EMULATOR_POSTGRES_DSN)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    postgres = PostgresBacking(args.postgres_dsn) if args.postgres_dsn else None
    backend = NeonBackend(
        plan=args.plan,
        orgs=dict(args.org),
        operation_seconds=args.operation_seconds,
        seed=args.seed,
        postgres=postgres,
    )
    for rule in args.fault:
        backend.faults.add(rule)
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with EmulatorServer(backend, host=args.host, port=args.port, api_key=args.api_key) as server:
        print(f"neon-emulator listening on {server.base_url}", flush=True)
        stop.wait()
    if postgres is not None:
        postgres.reset()
    print("neon-emulator stopped", file=sys.stderr, flush=True)
    return 0
