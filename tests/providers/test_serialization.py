"""Every provider survives Pulumi's serialization into state and loads in a fresh process.

Pulumi pickles the provider object (dill) into every resource's state and the provider process
unpickles it, possibly months later. Ours must pickle by reference (a module path, no code, no data),
capture no client or key, and load and work in a new interpreter started from the project directory.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

from infra.providers.branch import NeonBranchProvider
from infra.providers.database import NeonDatabaseProvider
from infra.providers.local_postgres import LocalPostgresProvider
from infra.providers.project import NeonProjectProvider
from infra.providers.role import NeonRoleProvider
from infra.providers.secret import GeneratedPasswordProvider
from tests.support.pulumi_project import REPO

KEY = "serialization-test-key-0f3a9b"

PROVIDERS: list[tuple[ResourceProvider, dict[str, object], str]] = [
    (
        NeonProjectProvider(),
        {
            "name": "x",
            "region_id": "aws-us-east-2",
            "pg_version": 17,
            "history_retention_seconds": 1,
            "database_name": "d",
            "role_name": "r",
            "autoscaling_min_cu": 0.25,
            "autoscaling_max_cu": 1,
            "suspend_timeout_seconds": 0,
        },
        "pg_version",
    ),
    (NeonBranchProvider(), {"project_id": "p-1", "name": "qa"}, "name"),
    (
        NeonDatabaseProvider(),
        {"project_id": "p-1", "branch_id": "br-1", "name": "d", "owner_name": "r"},
        "name",
    ),
    (
        NeonRoleProvider(),
        {"project_id": "p-1", "branch_id": "br-1", "name": "r", "database_name": "d"},
        "name",
    ),
    (
        LocalPostgresProvider(),
        {"data_dir": ".dev/pgdata", "port": 55432, "database": "d", "role": "r"},
        "port",
    ),
]

_LOADER = """
import base64, json, sys, dill
provider = dill.loads(base64.b64decode(sys.argv[1]))
props, bad_field = json.loads(sys.argv[2]), sys.argv[3]
good = provider.check({}, props)
bad = provider.check({}, {**props, bad_field: "not valid" if bad_field != "name" else ""})
print(json.dumps({"cls": type(provider).__module__ + "." + type(provider).__qualname__,
                  "good": [f.property for f in good.failures], "bad": [f.property for f in bad.failures]}))
"""


@pytest.mark.parametrize(("provider", "props", "bad_field"), PROVIDERS, ids=lambda p: type(p).__name__)
def test_provider_round_trips_into_a_fresh_process(
    provider: ResourceProvider, props: dict[str, object], bad_field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEON_API_KEY", KEY)
    serialized = serialize_provider(provider)
    raw = base64.b64decode(serialized)
    assert len(raw) < 400, "pickled by value? the provider must pickle as a module reference"
    assert KEY.encode() not in raw
    assert b"co_code" not in raw
    assert b"httpx" not in raw
    assert serialize_provider(type(provider)()) == serialized, "serialization must be deterministic"
    done = subprocess.run(
        [sys.executable, "-c", _LOADER, serialized, json.dumps(props), bad_field],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    loaded = json.loads(done.stdout)
    assert loaded["cls"] == f"{type(provider).__module__}.{type(provider).__qualname__}"
    assert loaded["good"] == []
    assert loaded["bad"] == [bad_field]


def test_generated_password_provider_round_trips() -> None:
    serialized = serialize_provider(GeneratedPasswordProvider())
    code = (
        "import base64, sys, dill; p = dill.loads(base64.b64decode(sys.argv[1]));"
        "print(len(p.create({'length': 20}).outs['value']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, serialized],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert int(done.stdout) >= 20
