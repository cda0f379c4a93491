"""Helpers for the jobs tests: records that need no server, a tiny file-serving simulator."""

from __future__ import annotations

from pathlib import Path

from records_helpers import new_record

__all__ = ["new_record"]


# --- a tiny file server on the simulator plumbing (faults, request log, Range) and a client for it ----
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from vms_desk.core.protocol import Download, ExportHandle, RemoteFile
from vms_desk.sim.base import SimServer, SimState, build_app, file_response
from vms_desk.vendors._http import Funnel


def file_server(folder: Path, state: SimState) -> SimServer:
    """Serves folder/<name>: /files (Range), /norange (ignores Range), /liar (Content-Length too big),
    /cut?n= (chunked, ends early without an error)."""

    def path_of(request: Request) -> Path:
        return folder / request.path_params["name"]

    async def files(request: Request) -> Response:
        return file_response(
            request, path_of(request), media_type="video/x-matroska", filename=None, state=state
        )

    async def norange(request: Request) -> Response:
        return file_response(
            request, path_of(request), media_type="video/x-matroska", filename=None, state=state, ranges=False
        )

    async def liar(request: Request) -> Response:
        data = path_of(request).read_bytes()
        return Response(data[: len(data) // 2], headers={"Content-Length": str(len(data))})

    async def cut(request: Request) -> Response:
        data = path_of(request).read_bytes()[: int(request.path_params["n"])]

        async def body() -> AsyncIterator[bytes]:
            yield data

        return StreamingResponse(body())

    routes = [
        Route("/files/{name}", files),
        Route("/norange/{name}", norange),
        Route("/liar/{name}", liar),
        Route("/cut/{n:int}/{name}", cut),
    ]
    return SimServer(build_app(routes, state)).start()


class FileClient:
    """Just the download part of a vendor client: `locator` is the path on the file server."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.funnel = Funnel(http, url, "Test server")

    @asynccontextmanager
    async def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AsyncIterator[Download]:
        async with self.funnel.stream("GET", file.locator, offset=offset) as body:
            yield body

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)
