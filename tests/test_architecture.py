"""The package dependency rules, checked on the source: every import of every module, lazy ones included.

Dependencies point one way (README, "Layout"): the Neon client and the config are leaves that know
no Pulumi; workflows (`infra/ops`) never reach up into the CLI; `infra` and `neon_emulator` never
import each other; and no two packages import each other, directly or in a circle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pulumi_project import REPO

MAX_MODULE_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, at any depth (lazy imports inside functions count too)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


# (package, imports it must never make)
FORBIDDEN: list[tuple[str, tuple[str, ...]]] = [
    ("infra.neon", ("pulumi", "typer", "rich", "infra.ops", "infra.cli", "infra.providers", "infra.components")),
    ("infra.neon", ("infra.program", "infra.devdb", "infra.localpg", "infra.toolchain", "neon_emulator")),
    ("infra.config", ("pulumi", "typer", "rich", "infra.ops", "infra.cli", "infra.providers", "infra.components")),
    ("infra.config", ("infra.neon", "infra.devdb", "infra.localpg", "infra.program")),
    ("infra.localpg", ("pulumi", "typer", "rich", "infra.config", "infra.devdb", "infra.ops", "infra.cli")),
    ("infra.devdb", ("pulumi", "typer", "rich", "infra.ops", "infra.cli", "infra.providers", "infra.components")),
    ("infra.ops", ("infra.cli", "typer", "rich", "infra.program", "infra.components", "infra.providers")),
    ("infra.providers", ("infra.ops", "infra.cli", "infra.components", "infra.program")),
    ("infra.components", ("infra.ops", "infra.cli", "infra.program")),
    ("infra.errors", ("infra.config", "infra.neon", "infra.ops", "infra.cli", "pulumi")),
    ("infra.masking", ("infra.config", "infra.neon", "infra.ops", "infra.cli", "pulumi")),
    ("infra", ("neon_emulator",)),
    ("neon_emulator", ("infra",)),
]


@pytest.mark.parametrize(("package", "forbidden"), FORBIDDEN, ids=[f"{p} never imports {f[0]}…" for p, f in FORBIDDEN])
def test_a_package_never_imports_what_it_must_not(package: str, forbidden: tuple[str, ...]) -> None:
    top = package.split(".", maxsplit=1)[0]
    files = [f for f in _modules(top) if _within(_module_name(f), (package,))]
    assert files, package
    found = sorted(
        f"{_module_name(f)} imports {name}" for f in files for name in set(_imports(f)) if _within(name, forbidden)
    )
    assert found == []


def _unit(module: str) -> str | None:
    """The package a module belongs to for the cycle check: `infra.X`, or `infra.ops.Y` inside ops."""
    parts = module.split(".")
    if parts[0] != "infra" or len(parts) < 2:
        return None
    depth = 3 if parts[1] == "ops" and len(parts) > 2 else 2
    return ".".join(parts[:depth])


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    known = {_unit(_module_name(f)) for f in _modules("infra")} - {None}
    for path in _modules("infra"):
        source = _unit(_module_name(path))
        if source is None:  # infra/__init__.py
            continue
        targets = {_unit(name) for name in _imports(path)} & known
        graph.setdefault(source, set()).update(t for t in targets if t is not None and t != source)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_two_packages_import_each_other() -> None:
    graph = _graph()
    assert {"infra.neon", "infra.config", "infra.devdb", "infra.ops.dev", "infra.ops.neon", "infra.cli"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_modules_stay_small() -> None:
    large = {_module_name(f): n for f in _modules("infra") if (n := len(f.read_text().splitlines())) > MAX_MODULE_LINES}
    assert large == {}


def _section(title: str) -> str:
    return (REPO / "README.md").read_text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_layout_matches_the_tree() -> None:
    block = _section("Layout").split("```", 2)[1]
    named = set(re.findall(r"(?m)^(\S+)", block))  # the entries at the left margin
    nested = set(re.findall(r"(?m)^  (\w+)/", block))  # infra/ops/<x>/
    packages = {p.parent.relative_to(REPO).as_posix() for p in (REPO / "infra").rglob("__init__.py")}
    top = {f"{p}/" for p in packages if p.count("/") == 1}
    ops = {p.rsplit("/", 1)[1] for p in packages if p.startswith("infra/ops/")}
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "infra").glob("*.py") if not p.name.startswith("__")}
    assert top - named == set()
    assert ops == nested
    assert modules - named == set()
    assert [entry for entry in named if not (REPO / entry.rstrip("/")).exists() and "*" not in entry] == []


def test_every_path_where_things_go_names_exists() -> None:
    table = _section("Where things go")
    paths = set(re.findall(r"`((?:infra|neon_emulator|tests)/[\w/.]+?)`", table))
    assert len(paths) > 20
    assert sorted(p for p in paths if "<" not in p and not (REPO / p).exists()) == []
