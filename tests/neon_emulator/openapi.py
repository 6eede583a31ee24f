"""Validate emulator responses against Neon's OpenAPI 3.0 definition (read from ../shared, never copied).

Schemas are inlined (`$ref` resolved), OpenAPI's `nullable` becomes a JSON Schema null type, `allOf`
object compositions are merged, and objects are made strict (`additionalProperties: false`) so that a
misspelt or invented field fails validation too.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "neon-api" / "openapi-v2.json"
DROPPED_KEYWORDS = {"example", "examples", "deprecated", "discriminator", "readOnly", "writeOnly", "nullable"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        raise ValueError(f"not RFC 3339: {value!r}")
    datetime.fromisoformat(value)
    return True


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    if isinstance(value, str):
        uuid.UUID(value)
    return True


@cache
def load_spec() -> dict[str, Any] | None:
    if not SPEC_PATH.is_file():
        return None
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return spec


class SpecValidator:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._paths = [
            (re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$"), template)
            for template in spec["paths"]
        ]
        self._validators: dict[tuple[str, str, int], tuple[str, jsonschema.Draft202012Validator | None]] = {}

    def _resolve(self, ref: str) -> Any:
        node: Any = self.spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def convert(self, node: Any, stack: tuple[str, ...] = ()) -> Any:
        if isinstance(node, list):
            return [self.convert(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            return {} if ref in stack else self.convert(self._resolve(ref), (*stack, ref))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in DROPPED_KEYWORDS or key.startswith("x-"):
                continue
            if key == "properties":
                out[key] = {name: self.convert(schema, stack) for name, schema in value.items()}
            else:
                out[key] = self.convert(value, stack)
        out = _merge_all_of(out)
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        if node.get("nullable"):
            out = _nullable(out)
        return out

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template in self._paths:
            if pattern.match(path):
                operation = self.spec["paths"][template].get(method.lower())
                if operation is not None:
                    return template, operation
        return None

    def response_schema(self, operation: dict[str, Any], status: int) -> tuple[str, dict[str, Any] | None]:
        """(which response key applied, converted JSON schema or None when it has no JSON body)."""
        responses = operation["responses"]
        key = str(status) if str(status) in responses else "default"
        response = responses[key]
        if "$ref" in response:
            response = self._resolve(response["$ref"])
        content = response.get("content", {}).get("application/json")
        return key, None if content is None else self.convert(content["schema"])

    def errors(self, method: str, path: str, status: int, body: bytes) -> list[str]:
        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path}: not in the spec"]
        template, operation = found
        cache_key = (method, template, status)
        if cache_key not in self._validators:  # converting the schema is the slow part: once per response kind
            key, schema = self.response_schema(operation, status)
            checker = None if schema is None else jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
            self._validators[cache_key] = (key, checker)
        key, validator = self._validators[cache_key]
        if validator is None:
            return [] if not body else [f"{method} {path} {status}: expected no body for response {key}"]
        return [
            f"{method} {path} {status} ({key}): {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(json.loads(body))
        ]


def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """Flatten `allOf` of object schemas into one object (so `additionalProperties: false` works)."""
    parts = schema.get("allOf")
    if not parts or not all(
        isinstance(p, dict)
        and set(p) <= {"type", "properties", "required", "additionalProperties", "description", "title"}
        for p in parts
    ):
        return schema
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    merged["type"] = "object"
    merged["properties"] = {k: v for p in parts for k, v in p.get("properties", {}).items()}
    merged["required"] = sorted({name for p in parts for name in p.get("required", [])})
    return merged


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema.get("type"), str):
        schema = {**schema, "type": [schema["type"], "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}
