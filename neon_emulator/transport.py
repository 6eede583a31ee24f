"""`EmulatorTransport`: an httpx transport that calls the emulator in-process (no sockets)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from neon_emulator.app import EmulatorApp
from neon_emulator.backend import NeonBackend
from neon_emulator.messages import AppRequest


class EmulatorTransport(httpx.BaseTransport):
    """Use as `httpx.Client(transport=EmulatorTransport(backend), base_url="http://neon.test/api/v2")`.

    A dropped connection (fault `drop_before`/`drop_after`) raises `httpx.RemoteProtocolError`, as a
    real server closing the socket does. Latency faults call `sleep`: it defaults to `time.sleep`,
    so unit tests should pass their fake clock's `sleep` to keep time virtual.
    """

    def __init__(
        self, backend: NeonBackend, api_key: str | None = None, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.app = EmulatorApp(backend, api_key=api_key, sleep=sleep)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        headers = {name.lower(): value for name, value in request.headers.items()}
        response = self.app.handle(AppRequest(request.method, path, query, headers, request.read()))
        if response.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(response.status, headers=response.headers, content=response.body, request=request)
