"""What our dynamic providers refuse on purpose, and how Pulumi shows it: one line per error.

    ProviderError          a refusal or a half-done create, e.g. a project with this name exists already

How an error reaches the user: Pulumi runs dynamic providers in its own host process (`python -m
pulumi.dynamic`: upstream's code, the same with a real Pulumi install), whose handler turns any exception
into the error text of the gRPC call with `traceback.format_exc()`; the CLI prints that text under the
resource, ~20 lines of frames before the one line that matters. The host has no hook for this. So when
our providers load in that host (`install_in_provider_host`, called by `base.py` at import; the host, or
the process infra/toolchain/prewarm.py readies to become it, which loads them ahead), the standard
library's `traceback.format_exception`, which `format_exc` calls, is wrapped: for a `WorkshelfError` (an
error we raise on purpose: a Neon API error, a refusal) it returns `one_line(error)`, for anything else
the full traceback as before, so a bug keeps its frames. In any other process (the program, tests, the
CLI) nothing is changed.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from infra.errors import WorkshelfError

# Pulumi's provider host, and our prewarmed process that becomes it (it only ever serves as the host).
_HOST_MODULES = ("pulumi.dynamic.__main__", "infra.toolchain.prewarm")


class ProviderError(WorkshelfError):
    """A provider refused a step or could not finish it; the message names the objects involved."""


def one_line(error: WorkshelfError) -> str:
    """`message; hint: …` on one line (several problems are joined with '; ')."""
    text = "; ".join(part.strip() for part in error.message.splitlines() if part.strip())
    return f"{text}; hint: {error.hint}" if error.hint else text


FormatException = Callable[..., list[str]]


def one_line_formatter(original: FormatException) -> FormatException:
    """`traceback.format_exception`, except that our own errors come out as one line."""

    def format_exception(*args: Any, **kwargs: Any) -> list[str]:
        # (exc) or (type, value, tb): the exception is the value when given, else the first argument.
        error = args[1] if len(args) > 1 else (args[0] if args else kwargs.get("value"))
        if isinstance(error, WorkshelfError):
            return [one_line(error) + "\n"]
        return original(*args, **kwargs)

    format_exception.wrapped = original  # type: ignore[attr-defined]
    return format_exception


def in_provider_host() -> bool:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(spec, "name", None) in _HOST_MODULES


def install_in_provider_host() -> bool:
    """Wrap `traceback.format_exception` once, only inside Pulumi's dynamic-provider host; True if it is."""
    if not in_provider_host():
        return False
    if not hasattr(traceback.format_exception, "wrapped"):
        traceback.format_exception = one_line_formatter(traceback.format_exception)
    return True
