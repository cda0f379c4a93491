"""Bulk plain-HTTP connections: heads cut at their blank line, bodies read by a thread, errors mapped."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vms_desk.core.errors import Cancelled, ConnectionFailed, ServerBusy
from vms_desk.sim.base import SimServer, SimState, build_app, file_response
from vms_desk.vendors._bulk import BULK, DirectBody, RoutingTransport, SocketStream
from vms_desk.vendors._http import Funnel
from vms_desk.vendors.http_client import make_http_client

BODY = os.urandom(3_000_000)


def read_all(body: DirectBody, piece: int = 1 << 20) -> bytes:
    """What a download thread does: readinto until 0."""
    out = bytearray()
    buffer = memoryview(bytearray(piece))
    while count := body.readinto(buffer):
        out += buffer[:count]
    return bytes(out)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "clip.mkv").write_bytes(BODY)
    state = SimState(workdir=tmp_path)

    async def clip(request: Request) -> Response:
        return file_response(
            request, tmp_path / "clip.mkv", media_type="video/x-matroska", filename=None, state=state
        )

    async def hello(request: Request) -> Response:
        return Response(b"hello")

    server = SimServer(build_app([Route("/clip", clip), Route("/hello", hello)], state)).start()
    yield server.url
    server.stop()


@contextmanager
def scripted(reply: bytes, then: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-connection server: reads the request head, sends `reply`, then does `then` with the socket."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            seen = b""
            while b"\r\n\r\n" not in seen:
                seen += conn.recv(65536)
            conn.sendall(reply)
            then(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        thread.join(5)


@pytest.mark.asyncio
async def test_a_plain_http_body_is_read_straight_off_the_socket(
    served: str, http: httpx.AsyncClient
) -> None:
    funnel = Funnel(http, served, "Test server")
    async with funnel.stream("GET", "/clip") as body:
        direct = await body.direct()
        assert direct is not None
        assert direct.length == len(BODY)
        assert await asyncio.to_thread(read_all, direct, 100_000) == BODY
    async with funnel.stream("GET", "/clip", offset=1_234_567) as body:
        direct = await body.direct()
        assert direct is not None
        assert await asyncio.to_thread(read_all, direct) == BODY[1_234_567:]
    # Control requests keep httpx's own connections; the bulk ones still serve whole bodies in chunks.
    reply = await funnel.send("GET", "/hello")
    assert not isinstance(reply.extensions["network_stream"], SocketStream)
    async with funnel.stream("GET", "/clip") as body:
        assert isinstance(body.response.extensions["network_stream"], SocketStream)
        assert b"".join([chunk async for chunk in body.chunks()]) == BODY


@pytest.mark.asyncio
async def test_keep_alive_connections_serve_one_response_after_another(
    served: str, http: httpx.AsyncClient
) -> None:
    funnel = Funnel(http, served, "Test server")
    sockets = []
    for _ in range(3):
        async with funnel.stream("GET", "/clip", offset=len(BODY) - 10) as body:
            sockets.append(body.response.extensions["network_stream"].sock)
            assert b"".join([chunk async for chunk in body.chunks()]) == BODY[-10:]
    assert sockets[0] is sockets[1] is sockets[2]  # each head was cut right; no byte went astray


@pytest.mark.asyncio
async def test_a_head_is_cut_at_its_blank_line() -> None:
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    stream = SocketStream(ours)
    try:
        await stream.write(b"GET / HTTP/1.1\r\n\r\n")
        theirs.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123")
        head = b""
        while not stream.at_body:
            head += await stream.read(1 << 20, timeout=5)
        assert head == b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
        assert stream.take_unread() == b"0123"
        theirs.sendall(b"456789")
        assert await stream.read(1 << 20, timeout=5) == b"456789"
        assert not stream.at_body
    finally:
        await stream.aclose()
        theirs.close()


@pytest.mark.asyncio
async def test_a_stalled_body_is_server_busy_after_the_read_timeout() -> None:
    stall = threading.Event()
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000
    with scripted(reply, lambda conn: stall.wait(10)) as url:
        async with (
            make_http_client(timeout=httpx.Timeout(5.0, read=0.5)) as http,
            Funnel(http, url, "Test server").stream("GET", "/x") as body,
        ):
            direct = await body.direct()
            assert direct is not None
            started = time.monotonic()
            with pytest.raises(ServerBusy, match="did not answer in time"):
                await asyncio.to_thread(read_all, direct)
            assert time.monotonic() - started < 3
        stall.set()


@pytest.mark.asyncio
async def test_a_body_cut_short_is_connection_failed(http: httpx.AsyncClient) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000
    with scripted(reply, lambda conn: None) as url:  # the server closes after 1000 bytes
        async with Funnel(http, url, "Test server").stream("GET", "/x") as body:
            direct = await body.direct()
            assert direct is not None
            with pytest.raises(ConnectionFailed, match="will be retried"):
                await asyncio.to_thread(read_all, direct)


@pytest.mark.asyncio
async def test_cancel_ends_a_blocked_read_promptly(http: httpx.AsyncClient) -> None:
    stall = threading.Event()
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
    with scripted(reply, lambda conn: stall.wait(10)) as url:
        async with Funnel(http, url, "Test server").stream("GET", "/x") as body:
            direct = await body.direct()
            assert direct is not None
            reading = asyncio.ensure_future(asyncio.to_thread(read_all, direct))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            direct.cancel()
            with pytest.raises(Cancelled):
                await reading
            assert time.monotonic() - started < 1
        stall.set()


@pytest.mark.asyncio
async def test_chunked_or_failed_replies_have_no_direct_body(http: httpx.AsyncClient) -> None:
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    with scripted(reply, lambda conn: None) as url:
        async with Funnel(http, url, "Test server").stream("GET", "/x") as body:
            assert await body.direct() is None
            assert b"".join([chunk async for chunk in body.chunks()]) == b"hello"


@pytest.mark.asyncio
async def test_unreachable_bulk_server_is_connection_failed(http: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    with pytest.raises(ConnectionFailed, match="Cannot reach"):
        async with Funnel(http, f"http://127.0.0.1:{port}", "Test server").stream("GET", "/x"):
            pass


@pytest.mark.asyncio
async def test_only_plain_http_bulk_requests_take_the_bulk_path() -> None:
    taken: list[str] = []

    def answer(name: str) -> httpx.MockTransport:
        return httpx.MockTransport(lambda request: taken.append(name) or httpx.Response(200))

    async with httpx.AsyncClient(transport=RoutingTransport(answer("default"), answer("bulk"))) as client:
        for url, bulk in (("http://x/", True), ("https://x/", True), ("http://x/", False)):
            await client.send(client.build_request("GET", url, extensions={BULK: True} if bulk else {}))
    assert taken == ["bulk", "default", "default"]  # TLS always keeps httpx's own connections
