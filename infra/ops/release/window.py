"""The low-traffic window (`release.window` in the stack file) and its recorded override, checked on
the injected clock before any API call."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from infra.config import NeonStack, key_name
from infra.errors import ExitCode
from infra.ops.release.errors import ReleaseError
from infra.ops.times import rfc3339

MIN_REASON: Final = 10
_OVERRIDE = "--outside-window --reason '<why now>' (at least 10 characters; recorded in the release record)"


class WindowCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    outside_window: bool
    override_reason: str | None


def check_override(outside_window: bool, reason: str | None) -> str | None:
    """The override's reason, stripped; refused unless both options come together and it says something."""
    text = (reason or "").strip()
    if reason is not None and not outside_window:
        raise ReleaseError("--reason explains --outside-window: give both, or neither", exit_code=ExitCode.USAGE)
    if outside_window and len(text) < MIN_REASON:
        raise ReleaseError(
            f"--outside-window needs --reason with at least {MIN_REASON} characters (got {len(text)})",
            hint="say why this cannot wait for the window, e.g. --reason 'hotfix for the checkout outage'",
            exit_code=ExitCode.USAGE,
        )
    return text or None


def check_window(settings: NeonStack, now: datetime, *, outside_window: bool, reason: str | None) -> WindowCheck:
    """Inside the window, or overridden with a reason; production without a window always needs the override."""
    override = check_override(outside_window, reason)
    window = settings.release.window
    key = key_name("release", "window")
    if window is not None and window.contains(now):
        return WindowCheck(outside_window=False, override_reason=override)
    if window is None and not settings.is_production:
        return WindowCheck(outside_window=False, override_reason=override)  # no window declared: any time
    if override is not None:
        return WindowCheck(outside_window=True, override_reason=override)
    if window is None:
        raise ReleaseError(
            f"production declares no release window ({key} in Pulumi.production.yaml): every release is outside it",
            hint=f"declare one, e.g. `window: Mon-Fri 01:00-05:00 Europe/Berlin`, or use {_OVERRIDE}",
            exit_code=ExitCode.REFUSED,
        )
    opens = window.next_opening(now)
    raise ReleaseError(
        f"{settings.stack} releases run in the window {window.text} ({key}); now is "
        f"{now.astimezone(opens.tzinfo):%a %H:%M} there ({rfc3339(now)}); the next window opens "
        f"{opens:%a %Y-%m-%d %H:%M} {window.zone} ({rfc3339(opens)})",
        hint=f"release then, or now with {_OVERRIDE}",
        exit_code=ExitCode.REFUSED,
    )
