"""One line per error we raise: the formatter Pulumi's provider host uses, wrapped only in that host.

The end-to-end proof (the real CLI's output under a failing `pulumi up`) is in tests/e2e/test_provider_errors.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import traceback

import pytest

from infra.neon import errors
from infra.providers.errors import (
    ProviderError,
    in_provider_host,
    install_in_provider_host,
    one_line,
    one_line_formatter,
)
from tests.support.pulumi_project import REPO


def test_one_line__message_and_hint() -> None:
    error = errors.api_error_class(401)(
        operation="create_project", status_code=401, code="", message="authentication required", request_id="req-1"
    )
    assert one_line(error) == (
        "create_project failed: HTTP 401 (request_id=req-1): authentication required; hint: check NEON_API_KEY: "
        "an API key from the Neon console (Account settings → API keys)"
    )


def test_one_line__several_problems_joined() -> None:
    assert one_line(ProviderError("first\n\n  second  \n")) == "first; second"


def _raise_and_format(error: BaseException) -> str:
    formatter = one_line_formatter(traceback.format_exception)
    try:
        raise error
    except BaseException:  # formatting whatever was raised is the point
        return "".join(formatter(*sys.exc_info()))


def test_formatter__our_errors_without_frames_anything_else_with_them() -> None:
    assert _raise_and_format(ProviderError("refused", hint="do this")) == "refused; hint: do this\n"
    bug = _raise_and_format(KeyError("project_id"))
    assert bug.startswith("Traceback (most recent call last):\n")
    assert bug.endswith("KeyError: 'project_id'\n")


def test_formatter__the_single_argument_form() -> None:
    formatter = one_line_formatter(traceback.format_exception)
    assert formatter(ProviderError("refused")) == ["refused\n"]
    assert formatter(ValueError("bad")) == ["ValueError: bad\n"]


def test_nothing_is_wrapped_outside_the_provider_host() -> None:
    before = traceback.format_exception
    assert in_provider_host() is False
    assert install_in_provider_host() is False
    assert traceback.format_exception is before


@pytest.mark.parametrize("host", ["pulumi.dynamic.__main__", "infra.toolchain.prewarm"])
def test_inside_the_host_format_exc_gives_one_line_as_pulumis_handler_sends_it(host: str) -> None:
    """Run as `python -m pulumi.dynamic` runs, or as the prewarmed process that becomes it (the module
    `__main__`'s spec name is checked)."""
    script = textwrap.dedent(
        """
        import importlib.machinery, sys, traceback
        sys.modules["__main__"].__spec__ = importlib.machinery.ModuleSpec(HOST, None)
        import infra.providers.base  # what unpickling a provider imports
        from infra.providers.errors import ProviderError
        try:
            raise ProviderError("a Neon project named 'x' already exists", hint="adopt it")
        except Exception:
            print(repr(traceback.format_exc()))
        try:
            {}["project_id"]
        except Exception:
            print(traceback.format_exc().splitlines()[0])
        """
    ).replace("HOST", repr(host))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines() == [
        repr("a Neon project named 'x' already exists; hint: adopt it\n"),
        "Traceback (most recent call last):",
    ]
