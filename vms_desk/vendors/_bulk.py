"""Plain-HTTP connections for large downloads, whose socket a worker thread can read a body from.

httpx reads a body through httpcore, h11 and anyio in the event loop: on loopback that costs about
0.6 s of CPU per GiB, all of it holding the GIL, which left a hashing download at half of curl's
speed. Requests that carry the BULK extension (Funnel.stream sets it) on http:// go through the
connections made here instead: plain sockets driven by asyncio's `sock_*` calls. While a response
head is awaited, a SocketStream hands h11 the bytes up to the blank line that ends it and holds back
what follows, so right after the head the start of the body is in the stream (`take_unread`) and the
rest on the socket alone: DirectBody then reads it from a worker thread (about 0.2 s of CPU per GiB,
without the GIL). Everything else, TLS included, keeps httpx's own path.

httpcore's stream and backend interfaces take `timeout` arguments (hence the ASYNC109 exemptions).
"""

from __future__ import annotations

import asyncio
import re
import select
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from vms_desk.core.errors import Cancelled

BULK = "vms_desk_bulk"  # request extension: send this request over a SocketBackend connection
POLL_SECONDS = 0.25  # how soon a blocked DirectBody read notices cancel()
WHOLE_READ = 1024 * 1024  # what one DirectBody read waits for, where the kernel can wait (see _wait_all)

# Where a response head ends, as h11 finds it: an empty line, with or without its CR.
_BLANK_LINE = re.compile(b"\n\r?\n")

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


def _readable(sock: socket.socket) -> bool:
    """Whether a read would not block (an idle pooled connection that is readable was closed)."""
    if sock.fileno() < 0:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class SocketStream(httpcore.AsyncNetworkStream):
    """One non-blocking TCP socket; the only bytes it holds are those after a response head."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._unread = b""  # read from the socket after a response head, not yet given to h11
        self._head_tail: bytes | None = None  # while a head is awaited: its last bytes so far
        self.at_body = False  # h11 has the whole head and not one byte after it

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        """Up to `max_bytes` (b"" when the peer closed); a response head is cut after its blank line."""
        self.at_body = False
        if self._unread:
            data, self._unread = self._unread[:max_bytes], self._unread[max_bytes:]
        else:
            data = await self._receive(max_bytes, timeout)
        if self._head_tail is not None and data:
            seen = self._head_tail + data
            if (end := _BLANK_LINE.search(seen)) is not None:
                cut = end.end() - len(self._head_tail)
                data, self._unread = data[:cut], data[cut:] + self._unread
                self._head_tail, self.at_body = None, True
            else:
                self._head_tail = seen[-2:]
        return data

    def take_unread(self) -> bytes:
        """The bytes held back after the last response head (the start of its body)."""
        data, self._unread = self._unread, b""
        return data

    async def _receive(self, max_bytes: int, seconds: float | None) -> bytes:
        try:
            return self.sock.recv(max_bytes)  # data already waiting: no trip through the loop
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc
        try:
            async with asyncio.timeout(seconds):
                return await asyncio.get_running_loop().sock_recv(self.sock, max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("timed out waiting for data") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Send all of `buffer` (part of a request: what comes back next is a response head)."""
        self._head_tail, self.at_body = b"", False
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                await asyncio.get_running_loop().sock_sendall(self.sock, buffer)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("timed out sending") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        """Close the socket."""
        self.sock.close()

    async def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        """Never used: only http:// requests are routed here."""
        raise httpcore.ConnectError("TLS is not offered on bulk plain-HTTP connections")

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a stream (the pool checks `is_readable` on idle connections)."""
        try:
            if info == "socket":
                return self.sock
            if info == "client_addr":
                return self.sock.getsockname()
            if info == "server_addr":
                return self.sock.getpeername()
            if info == "is_readable":  # bytes left over on an idle connection: it is not clean either
                return bool(self._unread) or _readable(self.sock)
        except OSError:
            return None
        return None


class SocketBackend(httpcore.AsyncNetworkBackend):
    """Opens SocketStreams (TCP_NODELAY, like asyncio's own transports)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first address of `host` that answers, like socket.create_connection."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                addresses = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                failure: OSError = OSError(f"no address found for {host}")
                for family, kind, proto, _, address in addresses:
                    sock = socket.socket(family, kind, proto)
                    try:
                        sock.setblocking(False)
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        for option in socket_options or ():
                            sock.setsockopt(*option)
                        if local_address:
                            sock.bind((local_address, 0))
                        await loop.sock_connect(sock, address)
                    except OSError as exc:
                        sock.close()
                        failure = exc
                        continue
                    except BaseException:
                        sock.close()
                        raise
                    return SocketStream(sock)
                raise failure
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "timed out connecting") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never used: vms_desk talks TCP only."""
        raise httpcore.ConnectError("unix sockets are not used for bulk downloads")

    async def sleep(self, seconds: float) -> None:
        """Sleep on the running loop."""
        await asyncio.sleep(seconds)


class BulkTransport(httpx.AsyncHTTPTransport):
    """httpx's own HTTP/1.1 transport (and so its error mapping) over SocketBackend connections."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(verify=False, limits=limits, trust_env=False)  # http:// only: no TLS here
        # The constructor takes no network backend; its pool is rebuilt as httpx builds it, with ours.
        self._pool = httpcore.AsyncConnectionPool(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=SocketBackend(),
        )


class RoutingTransport(httpx.AsyncBaseTransport):
    """Sends http:// requests marked BULK over `bulk`, everything else over `default`."""

    def __init__(self, default: httpx.AsyncBaseTransport, bulk: httpx.AsyncBaseTransport) -> None:
        self.default = default
        self.bulk = bulk

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Route one request."""
        if request.extensions.get(BULK) and request.url.scheme == "http":
            return await self.bulk.handle_async_request(request)
        return await self.default.handle_async_request(request)

    async def aclose(self) -> None:
        """Close both transports."""
        try:
            await self.default.aclose()
        finally:
            await self.bulk.aclose()


def _wait_all(sock: socket.socket) -> bool:
    """Make `sock` block in the kernel for up to POLL_SECONDS per read; True when reads may then ask
    for WHOLE_READ bytes at once (MSG_WAITALL), else it polls with a Python timeout.

    Each return from a read takes the interpreter lock back. Read in socket-sized pieces, eight
    downloads took it thousands of times a second and the GUI thread waited behind them for every
    call it made into Python (a paint of the job list waited 100-500 ms). A read that waits for a
    whole megabyte takes it about fifteen times a second per download. Windows is left polling:
    there a receive that runs into SO_RCVTIMEO leaves the connection in an undefined state.
    """
    if sys.platform == "win32" or not hasattr(socket, "MSG_WAITALL"):
        sock.settimeout(POLL_SECONDS)
        return False
    try:
        sock.settimeout(None)
        seconds = int(POLL_SECONDS)
        micros = int((POLL_SECONDS - seconds) * 1_000_000)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", seconds, micros))
    except OSError:
        sock.settimeout(POLL_SECONDS)
        return False
    return True


class DirectBody:
    """The rest of a Content-Length body, read straight from its socket by one worker thread.

    `readinto` blocks (call it from a thread, never from the event loop) and never reads past the
    body's end, so the bytes of whatever follows are left alone. Failures are raised as the core
    errors `errors` maps httpx's to, exactly as they would be from httpx's own path.
    """

    def __init__(
        self,
        stream: SocketStream,
        length: int,
        read_timeout: float | None,
        errors: Callable[[httpx.HTTPError], Exception],
    ) -> None:
        # A duplicate descriptor with its own timeout: the event loop's socket object stays untouched.
        # (Made first: if it fails, OSError leaves the stream as it was, for httpx to read.)
        self._sock = stream.sock.dup()
        self._whole = _wait_all(self._sock)
        head = stream.take_unread()[:length]
        self._head = memoryview(head)
        self._remaining = length - len(head)
        self._timeout = read_timeout
        self._errors = errors
        self._stop = threading.Event()
        self.length = length  # bytes this reader delivers in all

    def readinto(self, view: memoryview) -> int:
        """Fill the start of `view` with the next bytes of the body; 0 once the body is complete."""
        if self._head:
            count = min(len(view), len(self._head))
            view[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        if not self._remaining or not view:
            return 0
        want = min(len(view), self._remaining)
        waited = 0.0
        while True:
            if self._stop.is_set():
                raise Cancelled("The download was stopped.", detail="direct body read cancelled")
            try:
                if self._whole:
                    count = self._sock.recv_into(view, min(want, WHOLE_READ), socket.MSG_WAITALL)
                else:
                    count = self._sock.recv_into(view, want)
            except (TimeoutError, BlockingIOError):
                waited += POLL_SECONDS
                if self._timeout is not None and waited >= self._timeout:
                    raise self._errors(httpx.ReadTimeout("timed out reading the body")) from None
                continue
            except OSError as exc:
                raise self._errors(httpx.ReadError(str(exc))) from exc
            if not count:
                raise self._errors(
                    httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body "
                        f"({self._remaining} bytes missing)"
                    )
                )
            self._remaining -= count
            return count

    def cancel(self) -> None:
        """Make a blocked or later `readinto` raise Cancelled (from any thread)."""
        self._stop.set()

    def close(self) -> None:
        """Release the duplicate descriptor (the connection itself is closed by its response)."""
        self._stop.set()
        self._sock.close()
