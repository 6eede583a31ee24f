"""Hypothesis strategies for request bodies, query strings and path parameters of every emulator route.

Bodies are built from each route's pydantic request model: every field may be left out, given a
plausible value, an edge value (bounds, control characters, year-bound timestamps, huge LSNs, NaN...)
or any JSON at all. Ids are drawn from the objects that exist, so requests reach deep into the rules.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import BaseModel

from neon_emulator import requests as r
from neon_emulator import requests_snapshots as rs

# Request body model of every route that takes one (operationId -> model).
BODIES: dict[str, type[BaseModel]] = {
    "createProject": r.ProjectCreateRequest,
    "updateProject": r.ProjectUpdateRequest,
    "createProjectBranch": r.BranchCreateRequest,
    "updateProjectBranch": r.BranchUpdateRequest,
    "restoreProjectBranch": r.BranchRestoreRequest,
    "createProjectBranchDatabase": r.DatabaseCreateRequest,
    "updateProjectBranchDatabase": r.DatabaseUpdateRequest,
    "createProjectBranchRole": r.RoleCreateRequest,
    "createProjectEndpoint": r.EndpointCreateRequest,
    "updateProjectEndpoint": r.EndpointUpdateRequest,
    "setSnapshotSchedule": rs.BackupSchedule,
    "updateSnapshot": rs.SnapshotUpdateRequest,
    "restoreSnapshot": rs.SnapshotRestoreRequest,
    "finalizeRestoreBranch": rs.FinalizeRestoreRequest,
}
QUERIES: dict[str, tuple[str, ...]] = {
    "listProjects": ("limit", "cursor", "search", "org_id", "timeout"),
    "listSharedProjects": ("limit", "cursor", "timeout"),
    "listProjectOperations": ("limit", "cursor"),
    "listProjectBranches": ("limit", "cursor", "search", "sort_by", "sort_order"),
    "countProjectBranches": ("search",),
    "getConnectionURI": ("database_name", "role_name", "branch_id", "endpoint_id", "pooled"),
    "createSnapshot": ("lsn", "timestamp", "name", "expires_at"),
    "restoreSnapshot": ("name",),
}

EDGE_TEXT = [
    "",
    "main",
    "neondb",
    "neondb_owner",
    "app",
    "pg_x",
    "a\x00b",
    "new\nline",
    "../etc",
    "x" * 64,
    "x" * 257,
    "é" * 40,
    "aws-us-east-2",
    "mars-1",
    "read_write",
    "read_only",
]
GOOD_NAMES = ["dev", "feature/x", "app", "appdb", "reader", "old", "nightly"]
TIMESTAMPS = [
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:30:00Z",
    "2026-01-02T00:00:00Z",
    "2026-03-01T00:00:00+02:00",
    "2025-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-00:01",
    "not a time",
]
LSNS = ["0/1000000", "0/1", "FFFFFFFF/FFFFFFFF", "9" * 300 + "/0", "0/", "zz/1"]
IPS = ["203.0.113.7", "203.0.113.0/24", "2001:db8::/32", "203.0.113.1-203.0.113.9", "not-an-ip", "10.0.0.0/99"]
INTS = [-2, -1, 0, 1, 2, 3, 7, 8, 13, 23, 24, 31, 32, 60, 3599, 3600, 86_400, 604_800, 604_801, 2_592_000, 2**63]
FLOATS = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.25, 9.0, 16.0, 17.0, 56.0, 57.0, float("nan"), float("inf"), 1e308]

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
any_json = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


JUNK_IDS = ["shared", "count", "br-none-00000000", "x y", "/", "a" * 70, "..", "ü"]


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, picked in proportion to its weight (plain `one_of` favours none)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda index: table[index])


class Ids:
    """What exists in one project (or everywhere): ids and names to draw from, mostly, plus junk."""

    def __init__(self, known: dict[str, list[str]]) -> None:
        self.known = known

    def of(self, kind: str) -> st.SearchStrategy[str]:
        junk = st.sampled_from(JUNK_IDS)
        existing = self.known.get(kind, [])
        return weighted((9, st.sampled_from(existing)), (1, junk)) if existing else junk


def _text_for(name: str, ids: Ids) -> st.SearchStrategy[Any]:
    if name.endswith("_id") and name not in ("region_id", "org_id"):
        return ids.of("branch" if name != "endpoint_id" else "endpoint")
    if name in ("region_id",):
        return st.sampled_from(["aws-us-east-2", "aws-eu-central-1", "mars-1"])
    if name == "org_id":
        return st.sampled_from(["org-a", "org-b", "ORG!", ""])
    if "lsn" in name:
        return st.sampled_from(LSNS)
    if name in ("name", "owner_name", "database_name", "role_name", "preserve_under_name"):
        good = st.sampled_from(GOOD_NAMES + ids.known.get("names", []))
        return weighted((6, good), (2, st.sampled_from(EDGE_TEXT)), (1, st.text(max_size=12)))
    return st.sampled_from(EDGE_TEXT) | st.text(max_size=12)


def value_for(annotation: Any, name: str, ids: Ids) -> st.SearchStrategy[Any]:  # noqa: PLR0911
    """A strategy for one field: right-typed, edge or arbitrary values."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is typing.Annotated:
        return value_for(args[0], name, ids)
    if origin in (Union, types.UnionType):
        real = [value_for(arg, name, ids) for arg in args if arg is not type(None)]
        return weighted(*[(6, strategy) for strategy in real], (1, st.none()))
    if annotation is type(None):
        return st.none()
    if origin is Literal:
        return weighted((8, st.sampled_from(list(args))), (1, st.text(max_size=8)))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return body_for(annotation, ids)
    if origin is list:
        item = st.sampled_from(IPS) if name == "ips" else value_for(args[0], name, ids)
        return st.lists(item, max_size=4)
    if origin is dict:
        return st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=6)
    simple: dict[Any, Callable[[], st.SearchStrategy[Any]]] = {
        bool: st.booleans,
        int: lambda: weighted((4, st.sampled_from(INTS)), (1, st.integers())),
        float: lambda: weighted((4, st.sampled_from(FLOATS)), (1, st.floats())),
        datetime: lambda: st.sampled_from(TIMESTAMPS),
        str: lambda: _text_for(name, ids),
    }
    return simple.get(annotation, lambda: any_json)()


def body_for(model: type[BaseModel], ids: Ids) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of the model's fields (as JSON names), each valued by `value_for` (now and then by any
    JSON); required fields are usually present, the others any subset."""
    fields = {name: value_for(field.annotation, name, ids) for name, field in model.model_fields.items()}
    values = {name: weighted((12, strategy), (1, any_json)) for name, strategy in fields.items()}
    required = {name: values[name] for name, field in model.model_fields.items() if field.is_required()}
    optional = {name: value for name, value in values.items() if name not in required}
    complete = st.fixed_dictionaries(required, optional=optional)
    return weighted((4, complete), (1, st.fixed_dictionaries({}, optional=values)))


def request_body(operation_id: str, ids: Ids) -> st.SearchStrategy[Any]:
    model = BODIES.get(operation_id)
    if model is None:
        return weighted((6, st.none()), (1, any_json))
    return weighted((10, body_for(model, ids)), (1, st.none()), (1, any_json))


QUERY_VALUES = {
    "limit": ["1", "2", "10", "0", "401", "x"],
    "cursor": ["", "garbage!", "WyJwcm9qZWN0cyJd"],
    "search": ["", "one", "dev", "%"],
    "org_id": ["org-a", "ORG!"],
    "timeout": ["100", "30000", "30001", "soon"],
    "sort_by": ["name", "created_at", "updated_at", "size"],
    "sort_order": ["asc", "desc", "up"],
    "pooled": ["true", "false", "maybe"],
    "lsn": LSNS,
    "timestamp": TIMESTAMPS,
    "expires_at": [*TIMESTAMPS, "2026-01-05T00:00:00Z", "2026-02-20T00:00:00Z"],
}


def query_for(operation_id: str, ids: Ids) -> st.SearchStrategy[dict[str, str]]:
    values: dict[str, st.SearchStrategy[str]] = {}
    for name in QUERIES.get(operation_id, ()):
        if name in ("database_name", "role_name", "name"):
            values[name] = st.sampled_from(GOOD_NAMES + ids.known.get("names", []) + EDGE_TEXT)
        elif name in ("branch_id", "endpoint_id"):
            values[name] = ids.of("branch" if name == "branch_id" else "endpoint")
        else:
            values[name] = st.sampled_from(QUERY_VALUES[name])
    return st.fixed_dictionaries({}, optional=values)
