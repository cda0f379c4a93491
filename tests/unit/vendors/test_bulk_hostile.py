"""A hostile server on a raw socket: whatever it sends as a file download, the bulk path ends with
exactly Content-Length bytes or a typed error, and never hangs."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vms_desk.core.errors import ConnectionFailed, ProtocolError, VmsDeskError
from vms_desk.vendors._http import Funnel
from vms_desk.vendors.http_client import make_http_client


class RawServer:
    """Answers every connection with `reply` (set per case), then closes it."""

    def __init__(self) -> None:
        self.reply = b""
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


async def fetch(port: int, offset: int = 0) -> bytes:
    """Download through the Funnel's bulk path the way the jobs layer does (direct, else chunks)."""
    async with make_http_client() as http:
        funnel = Funnel(http, f"http://127.0.0.1:{port}", "The test server")
        async with funnel.stream("GET", "/file", offset=offset) as body:
            direct = await body.direct()
            if direct is None:
                return b"".join([chunk async for chunk in body.chunks()])
            data = bytearray()
            view = memoryview(bytearray(1 << 16))
            while count := await asyncio.to_thread(direct.readinto, view):
                data.extend(view[:count])
            return bytes(data)


def run(port: int, offset: int = 0) -> bytes:
    return asyncio.run(asyncio.wait_for(fetch(port, offset), 20))


OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\n"


def test_exact_body(raw: RawServer) -> None:
    raw.reply = OK_HEAD + b"Content-Length: 10\r\n\r\n0123456789"
    assert run(raw.port) == b"0123456789"


def test_extra_bytes_after_the_body_are_not_read(raw: RawServer) -> None:
    raw.reply = OK_HEAD + b"Content-Length: 4\r\n\r\nabcdEXTRA"
    assert run(raw.port) == b"abcd"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (OK_HEAD + b"Content-Length: 100\r\n\r\n" + b"x" * 50, ConnectionFailed),  # cut short
        (b"", ConnectionFailed),  # closed at once
        (b"HTTX/9 what\r\n\r\n", ConnectionFailed),  # not HTTP
        (OK_HEAD + b"X-Big: " + b"a" * 200_000 + b"\r\n\r\n", ConnectionFailed),  # endless head
        (OK_HEAD + b"Content-Length: -5\r\n\r\n", ConnectionFailed),
        (OK_HEAD + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcde", ConnectionFailed),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n", ConnectionFailed),
    ],
    ids=["short", "closed", "not-http", "huge-head", "negative-length", "two-lengths", "bad-chunk"],
)
def test_broken_replies_are_typed_errors(raw: RawServer, reply: bytes, error: type[Exception]) -> None:
    raw.reply = reply
    with pytest.raises(error):
        run(raw.port)


def test_resume_at_the_wrong_place_is_refused(raw: RawServer) -> None:
    raw.reply = b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-9/20\r\nContent-Length: 10\r\n\r\n0123456789"
    with pytest.raises(ProtocolError, match="wrong position"):
        run(raw.port, offset=10)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    length=st.integers(min_value=0, max_value=3000),
    body=st.binary(max_size=4000),
    # Junk inside one header line (no line breaks: those would end the head where the test cannot tell).
    junk_head=st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
)
def test_any_reply_gives_the_declared_bytes_or_a_typed_error(
    raw: RawServer, length: int, body: bytes, junk_head: bytes
) -> None:
    raw.reply = (
        OK_HEAD
        + b"X-Junk: "
        + junk_head
        + b"\r\nContent-Length: "
        + str(length).encode()
        + b"\r\n\r\n"
        + body
    )
    try:
        data = run(raw.port)
    except VmsDeskError:
        return
    assert len(data) == length
    assert data == body[:length]
