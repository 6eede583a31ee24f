"""Bad HTTP framing against the real socket server (e2e): answered in JSON, no traceback, nothing applied."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from neon_emulator import EmulatorServer, NeonBackend

pytestmark = pytest.mark.e2e
KEY = "framing-key"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(NeonBackend(operation_seconds=0), port=0, api_key=KEY) as running:
        yield running


def _exchange(server: EmulatorServer, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer (the server closes after a framing error or `Connection: close`)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)  # nothing more is coming: a short body ends here
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def _request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: emulator", f"Authorization: Bearer {KEY}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.mark.parametrize(
    ("length", "fragment"),
    [("abc", "Content-Length must be a non-negative integer"), ("-5", "Content-Length must be a non-negative integer")],
)
def test_bad_content_length(
    server: EmulatorServer, capfd: pytest.CaptureFixture[str], length: str, fragment: str
) -> None:
    status, headers, body = _exchange(server, _request("POST", "/api/v2/projects", {"Content-Length": length}, b"{}"))
    assert status == 400
    assert fragment in json.loads(body)["message"]
    assert headers["connection"] == "close"
    assert "Traceback" not in capfd.readouterr().err
    assert server.backend.snapshot() == []


def test_chunked_body_is_read(server: EmulatorServer) -> None:
    payload = json.dumps({"project": {"name": "chunky", "region_id": "aws-eu-central-1"}}).encode()
    chunked = (
        b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (payload[:10], payload[10:])) + b"0\r\n\r\n"
    )
    status, _, body = _exchange(server, _request("POST", "/api/v2/projects", {"Transfer-Encoding": "chunked"}, chunked))
    assert status == 201
    project = json.loads(body)["project"]
    assert (project["name"], project["region_id"]) == ("chunky", "aws-eu-central-1")


@pytest.mark.parametrize(
    ("headers", "body", "status", "fragment"),
    [
        ({"Transfer-Encoding": "chunked"}, b"zz\r\n{}\r\n0\r\n\r\n", 400, "bad chunk size"),
        ({"Transfer-Encoding": "chunked"}, b"-5\r\n", 400, "bad chunk size"),
        ({"Transfer-Encoding": "chunked"}, b"10\r\nshort\r\n0\r\n\r\n", 400, "malformed chunked body"),
        ({"Transfer-Encoding": "gzip"}, b"", 400, "only chunked is accepted"),
        ({"Transfer-Encoding": "chunked", "Content-Length": "2"}, b"{}", 400, "not both"),
        ({"Content-Length": str(2 * 1024 * 1024)}, b"{}", 413, "larger than 1048576 bytes"),
        ({"Transfer-Encoding": "chunked"}, b"200000\r\n" + b"x" * 10, 413, "larger than 1048576 bytes"),
    ],
)
def test_bad_framing_is_a_json_4xx(
    server: EmulatorServer,
    capfd: pytest.CaptureFixture[str],
    *,
    headers: dict[str, str],
    body: bytes,
    status: int,
    fragment: str,
) -> None:
    got, _, answer = _exchange(server, _request("POST", "/api/v2/projects", headers, body))
    assert got == status
    error = json.loads(answer)
    assert set(error) == {"code", "message", "request_id"}
    assert fragment in error["message"]
    assert "Traceback" not in capfd.readouterr().err
    assert server.backend.snapshot() == []


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "HEAD", "CONNECT", "PROPFIND"])
def test_any_method_gets_json_not_the_stdlib_501_page(server: EmulatorServer, method: str) -> None:
    status, headers, body = _exchange(server, _request(method, "/api/v2/projects", {}))
    assert status == 405
    assert headers["allow"] == "GET, POST"
    assert headers["content-type"] == "application/json"
    if method == "HEAD":
        assert body == b""
    else:
        assert json.loads(body)["code"] == "METHOD_NOT_ALLOWED"


def test_malformed_request_line_is_json(server: EmulatorServer, capfd: pytest.CaptureFixture[str]) -> None:
    status, headers, body = _exchange(server, b"GARBAGE\r\n\r\n")
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["code"] == "BAD_REQUEST"
    assert "Traceback" not in capfd.readouterr().err


def test_keep_alive_survives_a_refused_request(server: EmulatorServer) -> None:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        assert client.post("/projects", content=b"[[[", headers={"Content-Type": "application/json"}).status_code == 400
        assert client.post("/projects", json={"project": {"name": "after"}}).status_code == 201
        assert [p["name"] for p in client.get("/projects").json()["projects"]] == ["after"]
