"""The Axxon One client: the vendor protocol over the Web-Server HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TypeVar

import httpx

from vms_desk.core.errors import (
    ExportLost,
    NotFound,
    ProtocolError,
    ServerBusy,
    VendorError,
    VmsDeskError,
)
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerConfig, ServerInfo, TimeSpan, Vendor
from vms_desk.core.options import Capabilities, JsonValue
from vms_desk.core.protocol import Download, ExportHandle, ExportPhase, ExportStatus, RemoteFile
from vms_desk.core.times import to_axxon
from vms_desk.vendors._http import Funnel
from vms_desk.vendors.axxon_one.capabilities import CAPABILITIES, NUMERIC_OPTIONS
from vms_desk.vendors.axxon_one.requests import (
    ArchiveIntervals,
    AxxonRequest,
    CameraList,
    DeleteExport,
    GetExportFile,
    GetExportStatus,
    ProductVersion,
    StartExport,
)
from vms_desk.vendors.axxon_one.session import AxxonAuth
from vms_desk.vendors.axxon_one.status import NotStarted, to_status
from vms_desk.vendors.axxon_one.wire import LABEL
from vms_desk.vendors.request import tail_of

T = TypeVar("T")
MAX_PAGES = 10_000  # a server that keeps paging forever is broken; stop rather than loop
SNAPSHOT_MAX_BYTES = 32 * 1024 * 1024


def normalise_prefix(prefix: str) -> str:
    """'' or '/name': the Web-Server prefix from the server's settings (default empty)."""
    text = prefix.strip().strip("/")
    return f"/{text}" if text else ""


def wire_options(fmt: str, options: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """The JSON body: format first, then the options with documented numbers sent as numbers."""
    body: dict[str, JsonValue] = {"format": fmt}
    for name, value in options.items():
        body[name] = int(value) if name in NUMERIC_OPTIONS and isinstance(value, str) else value
    return body


def _merged(spans: list[TimeSpan]) -> list[TimeSpan]:
    merged: list[TimeSpan] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            merged[-1] = TimeSpan(start=merged[-1].start, end=max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


class Client:
    """Axxon One (AxxonSoft) Web-Server client implementing core.protocol.VendorClient."""

    vendor = Vendor.AXXON_ONE
    camera_page_size = 1000  # the documented default limit
    interval_page_size = 100  # the documented default limit
    wait_ms = 30000  # waittimeout: the docs recommend at least 30000
    snapshot_poll_seconds = 0.25
    snapshot_timeout_seconds = 60.0

    def __init__(self, config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> None:
        self.config = config
        self.prefix = normalise_prefix(config.settings.get("prefix", ""))
        self.auth = AxxonAuth(config.user, password or "")
        self._funnel = Funnel(http, config.url + self.prefix, LABEL, auth=self.auth)
        self._not_started = NotStarted()

    async def call(self, request: AxxonRequest[T]) -> T:
        """The one funnel: send an endpoint request with auth recovery, return its decoded reply."""
        return await self._funnel.call(request)

    async def connect(self) -> ServerInfo:
        """Log in (Basic, or Bearer after a 401) and read the product version, which is informational.

        A 404 on /product/version does not fail the connection (docs/vendors/axxon-one.md, point 14):
        the camera list then proves the prefix. Only when that 404s too is the prefix called wrong.
        """
        try:
            version = (await self.call(ProductVersion())).version
        except NotFound as missing:
            try:
                await self.call(CameraList(limit=1))
            except NotFound as exc:
                raise self._wrong_prefix(exc) from missing
            version = ""
        return ServerInfo(vendor=self.vendor, name=self.config.name, version=version)

    def _wrong_prefix(self, exc: NotFound) -> NotFound:
        shown = self.prefix or "none"
        return NotFound(
            f"{LABEL} answered 404 (not found) to both /product/version and /camera/list, so the Web-Server "
            f"prefix is probably wrong (now: {shown}). Check the prefix in the server's settings, e.g. "
            f"/asip-api.{tail_of(exc)}",
            detail=exc.detail,
        )

    async def list_cameras(self) -> list[Camera]:
        """Every camera, page by page; ids are the raw VIDEOSOURCEIDs."""
        cameras: list[Camera] = []
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            try:
                reply = await self.call(CameraList(limit=self.camera_page_size, next_page=token))
            except NotFound as exc:
                raise self._wrong_prefix(exc) from exc
            cameras.extend(c.to_camera() for c in reply.cameras)
            token = reply.next_page_token or None
            if token is None or not reply.cameras:
                break
            if token in seen:
                raise ProtocolError(
                    f"{LABEL} sent the same camera page twice; the list may be incomplete.",
                    detail=f"repeated nextPageToken {token!r}",
                )
            seen.add(token)
        return cameras

    async def recordings(self, camera_id: str, span: TimeSpan) -> Recordings:
        """Recorded intervals inside `span`, asked oldest first and paged while `more` is true."""
        found: list[TimeSpan] = []
        begin = span.start
        for _ in range(MAX_PAGES):
            # Documented order: /{ENDTIME}/{BEGINTIME}; BEGINTIME < ENDTIME gives ascending results.
            reply = await self.call(
                ArchiveIntervals(
                    camera_id, end=to_axxon(span.end), begin=to_axxon(begin), limit=self.interval_page_size
                )
            )
            pieces = [interval.to_span() for interval in reply.intervals]
            found.extend(pieces)
            latest = max((p.end for p in pieces), default=begin)
            if not reply.more or latest <= begin or latest >= span.end:
                break
            begin = latest
        if span.start == span.end:
            inside = [span] if any(p.start <= span.start <= p.end for p in found) else []
            return Recordings(known=True, spans=tuple(inside))
        clipped = [c for p in _merged(found) if (c := span.clip(p)) is not None]
        return Recordings(known=True, spans=tuple(clipped))

    async def capabilities(self) -> Capabilities:
        """The documented formats and options (the server offers no query for them)."""
        return CAPABILITIES

    async def start_export(self, request: ExportRequest) -> ExportHandle:
        """POST the export; a frame format sends BEGINTIME == ENDTIME == span.start."""
        spec = CAPABILITIES.format(request.format)
        begin = to_axxon(request.span.start)
        end = begin if spec.frame else to_axxon(request.span.end)
        body = wire_options(request.format, request.options)
        export_id = await self.call(StartExport(request.camera_id, begin, end, body, wait_ms=self.wait_ms))
        return ExportHandle(
            export_ids=(export_id,), data={"format": request.format, "camera": request.camera_id}
        )

    async def poll(self, handle: ExportHandle) -> ExportStatus:
        """The export's state; a 404 means the server no longer knows it (ExportLost)."""
        export_id = handle.export_ids[0]
        try:
            reply = await self.call(GetExportStatus(export_id))
        except NotFound as exc:
            raise ExportLost(
                f"{LABEL} no longer knows this export (it was deleted or the server restarted). "
                f"Start the export again.{tail_of(exc)}",
                detail=exc.detail,
            ) from exc
        return to_status(reply, self._not_started.overdue(export_id, reply.state))

    @asynccontextmanager
    async def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AsyncIterator[Download]:
        """Stream one file (GET /export/{id}/file?name=...) from `offset` with Range."""
        async with AsyncExitStack() as stack:
            try:
                body = await stack.enter_async_context(
                    self._funnel.download(GetExportFile(handle.export_ids[0], file.locator), offset)
                )
            except NotFound as exc:
                raise ExportLost(
                    f"{LABEL} no longer has the file {file.name!r} of this export. Start the export again.",
                    detail=exc.detail,
                ) from exc
            yield body

    async def finish(self, handle: ExportHandle) -> str:
        """DELETE the export on the server (204, 200 and 404 all mean it is gone)."""
        for export_id in handle.export_ids:
            await self.call(DeleteExport(export_id))
        return "The export was deleted from the Axxon One server."

    async def cancel(self, handle: ExportHandle) -> None:
        """DELETE stops a running export and removes its files."""
        await self.finish(handle)

    async def snapshot(self, camera_id: str, at: TimeSpan) -> bytes | None:
        """A JPEG frame export at `at.start`, downloaded and deleted; None when nothing is recorded then."""
        request = ExportRequest(
            camera_id=camera_id, span=TimeSpan(start=at.start, end=at.start), format="jpg"
        )
        handle = await self.start_export(request)
        try:
            status = await self._wait(handle)
            if status.phase is ExportPhase.FAILED:
                if status.vendor_code == "6":
                    return None
                raise VendorError(status.error, code=status.vendor_code, vendor_text=status.vendor_error)
            data = bytearray()
            async with self.open_download(handle, status.files[0]) as body:
                async for chunk in body.chunks():
                    data.extend(chunk)
                    if len(data) > SNAPSHOT_MAX_BYTES:
                        raise ProtocolError(f"{LABEL} sent a snapshot too large to be a single frame.")
            return bytes(data)
        finally:
            with contextlib.suppress(VmsDeskError):
                await self.finish(handle)

    async def _wait(self, handle: ExportHandle) -> ExportStatus:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.snapshot_timeout_seconds
        while True:
            status = await self.poll(handle)
            if status.phase is not ExportPhase.RUNNING:
                return status
            if loop.time() > deadline:
                raise ServerBusy(f"{LABEL} took too long to make the snapshot. Try again later.")
            await asyncio.sleep(self.snapshot_poll_seconds)

    async def aclose(self) -> None:
        """Close the Bearer session if one was opened; never raises."""
        with contextlib.suppress(Exception):
            await self.auth.close(self._funnel)
