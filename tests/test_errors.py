"""One error root: every error the product raises on purpose is a WorkshelfError, and the tree drawn in
`infra/errors.py` names every one of them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import infra
from infra.errors import ExitCode, WorkshelfError


def _product_errors() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in pkgutil.walk_packages(infra.__path__, "infra."):
        if module.name.endswith("__main__"):
            continue
        loaded = importlib.import_module(module.name)
        for _name, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.name:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_every_product_error_derives_from_the_root() -> None:
    errors = _product_errors()
    assert len(errors) > 30  # the Neon client's tree, localpg's, and one per package
    assert [e.__qualname__ for e in errors if not issubclass(e, WorkshelfError)] == []


def test_the_tree_in_the_docstring_names_every_direct_child() -> None:
    children = {e.__qualname__ for e in _product_errors() if WorkshelfError in e.__bases__}
    doc = infra.errors.__doc__ or ""
    assert {"ConfigError", "NeonError", "LocalPgError", "DevDbError", "PulumiError", "SafetyError"} <= children
    assert [name for name in sorted(children) if f"── {name} " not in doc] == []


def test_message_hint_and_exit_code() -> None:
    plain = WorkshelfError("no backup, no migration")
    assert (str(plain), plain.message, plain.hint, plain.exit_code) == (
        "no backup, no migration",
        "no backup, no migration",
        "",
        ExitCode.ERROR,
    )
    hinted = WorkshelfError("blocked", hint="add the label", exit_code=ExitCode.BLOCKED)
    assert str(hinted) == "blocked\n  hint: add the label"
    assert (hinted.message, hinted.exit_code) == ("blocked", 3)
