"""`EmulatorServer`: the emulator on a real loopback socket (stdlib threaded HTTP server)."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import cast

from neon_emulator.app import ADMIN_PREFIX, API_PREFIX, EmulatorApp, logger
from neon_emulator.backend import NeonBackend
from neon_emulator.errors import EmulatorError
from neon_emulator.framing import read_body
from neon_emulator.messages import MAX_BODY_BYTES, AppRequest, AppResponse, error_response


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: EmulatorApp

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_open_connections(self) -> None:
        """Keep-alive connections outlive `shutdown()`; close them so a stopped server is really gone."""
        with self.connections_lock:
            for connection in self.open_connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # a client that stops sending mid-request does not hold a thread forever

    def setup(self) -> None:
        super().setup()
        # An answer goes out as two writes (headers, body). With Nagle's algorithm on, the body waits
        # for the client's delayed ACK of the headers: ~40 ms added to answers after a request with a
        # body (POST, PATCH, PUT), which Neon's servers do not add (make bench-cli saw it).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.open_connections.add(self.connection)

    def finish(self) -> None:
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.open_connections.discard(self.connection)
        super().finish()

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method reaches the app (HEAD, OPTIONS, TRACE, ... answer a JSON 405 there), instead
        # of the standard library's 501 HTML page for methods without a `do_` handler.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        request_id = headers.get("x-request-id") or str(uuid.uuid4())
        try:
            body = read_body(headers, self.rfile, MAX_BODY_BYTES)
        except EmulatorError as error:  # bad framing: answer, then drop the unread rest
            self.close_connection = True
            self._send(error_response(error, request_id))
            return
        path, _, query = self.path.partition("?")
        try:
            response = cast(_Server, self.server).app.handle(AppRequest(self.command, path, query, headers, body))
        except Exception as exc:  # a bug in the emulator: Neon's 500 shape, the type only in the log
            logger.error("unhandled %s while serving %s", type(exc).__name__, self.command)
            response = error_response(EmulatorError("internal server error"), request_id)
        if response.drop:
            # Close without a byte of response: the client sees a disconnected server.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(response)

    def _send(self, response: AppResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":  # a HEAD answer carries the headers only
            with contextlib.suppress(OSError):
                self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:  # noqa: ARG002
        """Protocol errors the standard library detects (bad request line, headers too long...) as JSON."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unreadable request line: answer with a full status line
            self.request_version = "HTTP/1.1"
        status = HTTPStatus(code)
        error = EmulatorError(message or status.phrase, status=code, code=status.name)
        self._send(error_response(error, str(uuid.uuid4())))

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request log is kept by the app (and paths could carry names worth keeping quiet)."""


class EmulatorServer:
    """Serves `http://HOST:PORT/api/v2` and the admin API at `/_emulator` from a background thread."""

    def __init__(
        self, backend: NeonBackend, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None
    ) -> None:
        self.backend = backend
        self._host, self._port = host, port
        self._app = EmulatorApp(backend, api_key=api_key)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        if self._server is not None:
            return self
        server = _Server((self._host, self._port))
        server.app = self._app
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="neon-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_open_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("EmulatorServer is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    @property
    def admin_url(self) -> str:
        return self.root_url + ADMIN_PREFIX

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
