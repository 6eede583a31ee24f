"""NeonClient: typed methods named after Neon API v2 operations."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypedDict, Unpack

import httpx
from pydantic import SecretStr

from infra.neon._projects import ProjectsAPI
from infra.neon._retry import RetryPolicy
from infra.neon._wait import PollPolicy
from infra.neon.settings import DEFAULT_BASE_URL, NeonSettings


class ClientOptions(TypedDict, total=False):
    """Keyword options of NeonClient besides the settings (for from_env / from_settings)."""

    transport: httpx.BaseTransport | None
    retry: RetryPolicy | None
    poll: PollPolicy | None
    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    clock: Callable[[], float]
    rng: random.Random | None
    durations: Path | None


class NeonClient(ProjectsAPI):
    """A synchronous client for Neon's management API v2.

    Methods are named after API operations (create_branch, list_roles, ...); ids and the request
    model come first, everything else is keyword-only. Mutations wait for the operations they
    start unless called with `wait=False`. Deletes return True if this call deleted the object
    and False if it was already gone. Creates are safe to retry: after a lost response the client
    looks for what the request created and adopts it (recovering passwords) rather than creating
    it twice.

    Args:
        api_key: the Neon API key (never logged, never in errors).
        base_url: the API root, e.g. "https://console.neon.tech/api/v2".
        org_id: default organization for create_project and list_projects.
        transport: an httpx transport, e.g. the emulator's in tests.
        retry / poll: the retry and operation-polling policies.
        sleep / monotonic / clock / rng: injectable sleep, timer, wall clock and randomness, so
            tests never really sleep.
        durations: a JSON file where operation durations learned by earlier clients are read
            from and this one's are kept on `close()` (see `_durations`); None: nothing kept.
    """

    def __init__(
        self,
        api_key: str | SecretStr,
        base_url: str = DEFAULT_BASE_URL,
        org_id: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        durations: Path | None = None,
    ) -> None:
        super().__init__(
            settings=NeonSettings.build(api_key=api_key, base_url=base_url, org_id=org_id),
            transport=transport,
            retry=retry or RetryPolicy(),
            poll=poll or PollPolicy(),
            sleep=sleep,
            monotonic=monotonic,
            clock=clock,
            rng=rng or random.Random(),  # noqa: S311  # jitter and request ids, not cryptography
            durations=durations,
        )

    @classmethod
    def from_settings(cls, settings: NeonSettings, **options: Unpack[ClientOptions]) -> NeonClient:
        """A client for `settings`; options as for the constructor."""
        return cls(settings.api_key, settings.base_url, settings.org_id, **options)

    @classmethod
    def from_env(cls, **options: Unpack[ClientOptions]) -> NeonClient:
        """A client configured from NEON_API_KEY, NEON_API_URL and NEON_ORG_ID.

        Raises NeonConfigError naming NEON_API_KEY when it is not set.
        """
        return cls.from_settings(NeonSettings.from_env(), **options)

    def __enter__(self) -> NeonClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"NeonClient(base_url={self.settings.base_url!r}, org_id={self.settings.org_id!r})"
