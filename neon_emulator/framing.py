"""Reading an HTTP/1.1 request body off the socket: `Content-Length` or chunked, bounded, never trusted.

Bad framing (a non-numeric or negative length, both framings at once, a malformed chunk, an unknown
transfer coding) is a `BadRequest`; a body over the limit is `PayloadTooLarge`. After either the
connection cannot be reused, because the rest of the body was never read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from neon_emulator.errors import BadRequest, PayloadTooLarge


class Stream(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def readline(self, size: int, /) -> bytes: ...


_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
MAX_CHUNK_LINE = 1024
MAX_TRAILERS = 100


def read_body(headers: Mapping[str, str], stream: Stream, limit: int) -> bytes:
    """The request body; `headers` keys are lower-case."""
    length_text = headers.get("content-length")
    coding = headers.get("transfer-encoding", "").strip().lower()
    if coding and length_text is not None:
        raise BadRequest("send either Content-Length or Transfer-Encoding, not both")
    if coding:
        if coding != "chunked":
            raise BadRequest(f"unsupported Transfer-Encoding {coding!r}: only chunked is accepted")
        return _read_chunked(stream, limit)
    if length_text is None:
        return b""
    text = length_text.strip()
    if not text.isdigit() or not text.isascii():
        raise BadRequest(f"Content-Length must be a non-negative integer, got {length_text!r}")
    length = int(text)
    if length > limit:
        raise PayloadTooLarge(f"request body is larger than {limit} bytes")
    body = stream.read(length) if length else b""
    if len(body) < length:
        raise BadRequest(f"request body ended after {len(body)} of {length} bytes")
    return body


def _read_chunked(stream: Stream, limit: int) -> bytes:
    body = bytearray()
    while True:
        size = _chunk_size(_line(stream))
        if size == 0:
            break
        if len(body) + size > limit:
            raise PayloadTooLarge(f"request body is larger than {limit} bytes")
        chunk = stream.read(size)
        if len(chunk) < size or _line(stream) != b"":
            raise BadRequest("malformed chunked body: a chunk is shorter than its declared size")
        body += chunk
    for _ in range(MAX_TRAILERS):  # trailer fields, ignored, up to the empty line
        if _line(stream) == b"":
            return bytes(body)
    raise BadRequest("malformed chunked body: too many trailer fields")


def _line(stream: Stream) -> bytes:
    raw = stream.readline(MAX_CHUNK_LINE + 1)
    if len(raw) > MAX_CHUNK_LINE or not raw.endswith(b"\n"):
        raise BadRequest("malformed chunked body: a chunk line is too long or the body ended early")
    return raw.rstrip(b"\r\n")


def _chunk_size(line: bytes) -> int:
    text = line.split(b";", 1)[0].strip()
    if not _HEX.fullmatch(text):
        raise BadRequest(f"malformed chunked body: bad chunk size {text[:20]!r}")
    return int(text, 16)
