"""Reading a stack file strictly: the YAML 1.2 core schema, no duplicate keys, every problem named with its line.

PyYAML's defaults follow YAML 1.1, where `yes`, `on` and `no` are booleans, `012` is octal, `1_000` and
`1:30` are numbers and `2026-01-01` is a date. The Pulumi CLI reads stack files as YAML 1.2, where all of
these are plain strings. Reading them the 1.1 way made `historyRetentionSeconds: yes` a retention of one
second. Here only the 1.2 core forms resolve (`true`/`false`, `null`/`~`, decimal, `0o` and `0x` integers,
decimal floats, `.inf` and `.nan`); everything else is a string and the settings' strict types refuse it
with the key's name. A key given twice is an error: YAML would silently keep the last value.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from infra.config.errors import ConfigError

__all__ = ["read_yaml"]

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types and duplicate keys refused."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # replaced, not shared with SafeLoader

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                problem = f"the key {_shown(key)} is not a name: keys are text"
                raise ConstructorError(None, None, problem, key_node.start_mark)
            if key in mapping:
                raise ConstructorError(
                    None, None,
                    f"duplicate key `{key}` (first at line {lines[key]}): YAML would silently keep only the last value",
                    key_node.start_mark,
                )  # fmt: skip
            mapping[key], lines[key] = self.construct_object(value_node, deep=deep), line
        return mapping

    def construct_int_12(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)

    def construct_float_12(self, node: ScalarNode) -> float:
        text = str(self.construct_scalar(node)).lower()
        if text.endswith("inf"):
            return -math.inf if text.startswith("-") else math.inf
        return math.nan if text == ".nan" else float(text)


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, "tTfF"),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT, "-+.0123456789"),
):
    _StrictLoader.add_implicit_resolver(_tag, _pattern, list(_first))
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_int_12)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_float_12)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_mapping)


def _shown(value: Any) -> str:
    return f"`{value}`" if isinstance(value, str) else json.dumps(value, default=str)


def read_yaml(path: Path) -> Any:
    """The document in `path`; any problem becomes a ConfigError naming the file (and line, where there is one)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{path.name}: cannot be read ({exc.strerror or exc})"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError([f"{path.name} line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x})"]) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path.name} line {mark.line + 1}" if mark else path.name
        raise ConfigError([f"{where}: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path.name}: not valid YAML ({exc})"]) from None
    except RecursionError:
        raise ConfigError([f"{path.name}: nested too deeply to be a stack file"]) from None
