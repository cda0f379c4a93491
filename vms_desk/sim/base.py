"""Simulator plumbing: the ASGI app wrapper (faults, request log, admin), Range file serving, and a
uvicorn runner in a thread on a pre-bound loopback socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from vms_desk.sim.archive import Archive
from vms_desk.sim.faults import Faults

ADMIN_PREFIX = "/_sim"
CHUNK = 256 * 1024


@dataclass
class LoggedRequest:
    """One request as the simulator received it (for tests that assert the exact request sent)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived (tests check request pacing)

    @property
    def params(self) -> dict[str, str]:
        """The query string as a dict (last value wins)."""
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass
class SimState:
    """What every simulator shares: archive, faults, request log, credentials and a work folder."""

    user: str = "demo"
    password: str = "demo"
    archive: Archive = field(default_factory=Archive)
    faults: Faults = field(default_factory=Faults)
    requests: list[LoggedRequest] = field(default_factory=list)
    export_seconds: float = 3.0  # how long a server-side export takes
    # When > 0, each export's first file is padded out to this many bytes of deterministic data (its
    # name and the rest unchanged): large downloads for benchmarks without encoding hours of video.
    export_bytes: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vms-desk-sim-")))
    # Awaited with each logged request before it is answered: a test can act at an exact point of
    # a client's conversation (e.g. fill a disk when the release call arrives).
    on_request: Callable[[LoggedRequest], Awaitable[None]] | None = None

    def find(self, path_part: str, method: str | None = None) -> list[LoggedRequest]:
        """Logged requests whose path contains `path_part` (and method, if given)."""
        return [r for r in self.requests if path_part in r.path and (method is None or r.method == method)]


Handler = Callable[[Request], Awaitable[Response]]


class FaultMiddleware:
    """Logs each request, adds latency, and answers injected 5xx before the vendor app sees it."""

    def __init__(self, app: Any, state: SimState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        messages: list[dict[str, Any]] = []
        while more:
            message = await receive()
            messages.append(message)
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        logged = LoggedRequest(
            scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers, bytes(body)
        )
        self.state.requests.append(logged)
        if self.state.on_request is not None:
            await self.state.on_request(logged)
        replay = iter(messages)

        async def replay_receive() -> dict[str, Any]:
            try:
                return next(replay)
            except StopIteration:
                return await receive()

        if self.state.faults.latency:
            await asyncio.sleep(self.state.faults.latency)
        status = self.state.faults.take_failure(scope["path"], scope["query_string"].decode("latin-1"))
        if status is not None:
            response = Response(f"simulated failure {status}", status_code=status, media_type="text/plain")
            await response(scope, replay_receive, dated(send, self.state))
            return
        await self.app(scope, replay_receive, dated(send, self.state))


def dated(send: Any, state: SimState) -> Any:
    """`send` with a Date header from the simulator's clock (uvicorn's own is switched off), so a
    clock set fast with the `clock_offset_s` switch shows in every reply."""

    async def send_dated(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            stamp = formatdate(state.faults.now().timestamp(), usegmt=True).encode("latin-1")
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
            message = {**message, "headers": [*headers, (b"date", stamp)]}
        await send(message)

    return send_dated


def admin_routes(state: SimState) -> list[BaseRoute]:
    """/_sim/faults (GET/POST JSON) and /_sim/requests: control a simulator from another process."""

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                changes = json.loads(await request.body() or b"{}")
                if changes.pop("reset", False):
                    state.faults.reset()
                state.faults.update(**changes)
            except (ValueError, KeyError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(state.faults.as_dict())

    async def requests(_: Request) -> Response:
        return JSONResponse(
            [{"method": r.method, "path": r.path, "query": r.query} for r in state.requests[-500:]]
        )

    return [
        Route(f"{ADMIN_PREFIX}/faults", faults, methods=["GET", "POST"]),
        Route(f"{ADMIN_PREFIX}/requests", requests, methods=["GET"]),
    ]


def build_app(routes: list[BaseRoute], state: SimState) -> Any:
    """A Starlette app with the admin routes, wrapped in the fault/logging middleware."""
    app = Starlette(routes=[*admin_routes(state), *routes])
    return FaultMiddleware(app, state)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a single `bytes=` range, or None for no/unsatisfiable ranges."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, _, last_text = header[6:].partition("-")
    try:
        if not first_text:  # suffix range: the last N bytes
            count = int(last_text)
            return (max(0, size - count), size - 1) if count > 0 else None
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size or last < first:
        return None
    return first, min(last, size - 1)


def file_response(
    request: Request,
    path: Path,
    *,
    media_type: str,
    filename: str | None,
    state: SimState,
    ranges: bool = True,
) -> Response:
    """Serve a file with Content-Length, optional Range (206), the drop-connection and throttle faults."""
    size = path.stat().st_size
    headers = {"Accept-Ranges": "bytes" if ranges else "none"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    first, last, status = 0, size - 1, 200
    if ranges and request.headers.get("range"):
        wanted = parse_range(request.headers.get("range"), size)
        if wanted is None:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        first, last = wanted
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    drop_after = state.faults.take_drop()

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        with path.open("rb") as handle:
            handle.seek(first)
            remaining = last - first + 1
            while remaining > 0:
                # Read on every chunk, so a test may slow down or lift the throttle mid-transfer.
                throttle = state.faults.throttle_bps
                size = min(CHUNK, max(1024, throttle // 20)) if throttle > 0 else CHUNK
                chunk = handle.read(min(size, remaining))
                if not chunk:
                    break
                if drop_after is not None and sent + len(chunk) > drop_after:
                    yield chunk[: max(0, drop_after - sent)]
                    raise ConnectionAbortedError("simulated connection drop")
                remaining -= len(chunk)
                sent += len(chunk)
                yield chunk
                if throttle > 0:
                    await asyncio.sleep(len(chunk) / throttle)

    return StreamingResponse(body(), status_code=status, headers=headers, media_type=media_type)


class SimServer:
    """Runs an ASGI app with uvicorn in a thread on a pre-bound socket; `url` once started."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
    ) -> None:
        self.app = app
        self.host = host
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
        # without it every reply written in two parts waits ~40 ms for the client's delayed ACK.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port: int = self._sock.getsockname()[1]
        self.scheme = "https" if certfile else "http"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
            date_header=False,  # the simulators send their own (see `dated`): their clock may be set off
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://host:port of the running server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def start(self) -> SimServer:
        """Start serving in a daemon thread and wait until it accepts connections."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True, name=f"sim:{self.port}"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        # Do not wait for open responses: an endless or stalled body (a fault under test) never ends.
        self._server.force_exit = True
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
