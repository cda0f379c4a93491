"""The exacqVision Web Service client: form login, `s=` sessions, search, and session-bound exports."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

import httpx

from vms_desk.core.errors import AuthFailed, ExportLost, NotFound, ProtocolError, VmsDeskError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerConfig, ServerInfo, TimeSpan, Vendor
from vms_desk.core.options import Capabilities, FormatSpec, OptionKind, OptionSpec
from vms_desk.core.protocol import Download, ExportHandle, ExportPhase, ExportStatus, RemoteFile
from vms_desk.core.times import to_exacq
from vms_desk.vendors._http import BodyStream, Funnel
from vms_desk.vendors._words import with_server_words
from vms_desk.vendors.exacq.errors import export_lost
from vms_desk.vendors.exacq.naming import ZONE_SERVER, disposition_name, time_zone_setting
from vms_desk.vendors.exacq.requests import (
    CreateExport,
    CreateSearch,
    DownloadExport,
    Endpoint,
    FinishExport,
    GetConfig,
    GetExportStatus,
    GetFormats,
    Logout,
)
from vms_desk.vendors.exacq.session import ExacqSession
from vms_desk.vendors.exacq.wire import ConfigReply, Reply
from vms_desk.vendors.request import Reply as HttpReply

log = logging.getLogger(__name__)
T = TypeVar("T")

EXCERPT = 300
MAX_MESSAGE = 64 * 1024  # a JSON refusal sent in place of a download
# The Redoc's default export format is ps_zip, but a server that lists no formats is asked for mp4,
# the one format public client code is known to use.
FALLBACK_FORMAT = "mp4"
FORMAT_LABELS = {
    "mp4": "MP4 video",
    "avi": "AVI video",
    "exe": "Self-playing EXE (exacqVision player)",
    "ps_zip": "ZIP with the exacqVision player",
}
# Choice: the suffix the server gives each format's file; the Redoc says only "a suffix that
# matches the export format".
EXTENSIONS = {"mp4": "mp4", "avi": "avi", "exe": "exe", "ps_zip": "zip"}
NAME_OPTION = OptionSpec(
    name="name",
    kind=OptionKind.TEXT,
    label="Export name",
    help="The name exacqVision gives the exported file (the format's suffix is added).",
    maximum=120,
)


def file_name(name: str, fmt: str) -> str:
    """The name the server gives the file: `name` (default Export) with the format's suffix."""
    ext = EXTENSIONS.get(fmt, fmt)
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "Export"
    return base if base.lower().endswith("." + ext) else f"{base}.{ext}"


def _whole_seconds_up(value: datetime) -> datetime:
    # exacq times carry whole seconds: round the end up so the export still covers the span asked for.
    return value if not value.microsecond else value.replace(microsecond=0) + timedelta(seconds=1)


class Client:
    """An exacqVision Web Service (v1) client; `config.settings["server_id"]` is the login's `s`."""

    vendor = Vendor.EXACQ

    def __init__(self, config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> None:
        self.config = config
        self._password = password
        self._where = f"exacqVision at {config.url}"
        self._server_id = config.settings.get("server_id", "0").strip() or "0"
        self._auth = ExacqSession(config.user, password, self._server_id, self._where)
        self._funnel = Funnel(http, config.url, "exacqVision", auth=self._auth)
        self._time_zone = time_zone_setting(config.settings)
        self._zone: tzinfo | None = None
        self._caps: Capabilities | None = None

    # --- the funnel --------------------------------------------------------------------------------
    async def call(self, request: Endpoint[T]) -> T:
        """Send one request (vendors.request) under the ExacqSession policy: `s=` added, a refused
        session renewed once and the request repeated."""
        return await self._funnel.call(request)

    # --- the session -------------------------------------------------------------------------------
    async def _current_session(self) -> str:
        return await self._auth.current(self._funnel)

    async def _relogin(self, stale: str) -> str:
        return await self._auth.renew(self._funnel, stale)

    async def connect(self) -> ServerInfo:
        """Log in (once); later calls log in again transparently when the session expires."""
        await self._current_session()
        login = self._auth.login
        assert login is not None
        return ServerInfo(vendor=self.vendor, name=login.name, version=login.version)

    async def aclose(self) -> None:
        """Log out; never raises."""
        session, self._auth.session = self._auth.session, None
        if session is None:
            return
        try:
            await self.call(Logout(session))
        except Exception as exc:  # a failed logout must not hide what the caller was doing
            log.info("logout from %s failed: %s", self._where, exc)

    # --- cameras and recordings --------------------------------------------------------------------
    async def _config(self) -> ConfigReply:
        config = await self.call(GetConfig())
        self._zone = config.zone
        return config

    async def _server_zone(self) -> tzinfo:
        if self._zone is None:
            await self._config()
        assert self._zone is not None
        return self._zone

    async def _send_zone(self) -> tzinfo:
        """The zone of the times sent to the server (server setting `time_zone`: see naming.py)."""
        if self._time_zone == ZONE_SERVER:
            return await self._server_zone()
        return self._time_zone if isinstance(self._time_zone, tzinfo) else UTC

    async def list_cameras(self) -> list[Camera]:
        """config.web's cameras (and the server's timezone, kept for the times this client sends)."""
        return [camera.to_camera() for camera in (await self._config()).cameras]

    async def recordings(self, camera_id: str, span: TimeSpan) -> Recordings:
        """search.web's clips in the span, adjacent clips merged; unknown when the reply does not say."""
        zone = await self._send_zone()
        end = _whole_seconds_up(span.end)
        reply = await self.call(CreateSearch(camera_id, to_exacq(span.start, zone), to_exacq(end, zone)))
        if reply.search_id:
            # The Redoc asks for a search to be logged out when finished; a failure here costs nothing.
            try:
                await self.call(Logout(reply.search_id))
            except VmsDeskError as exc:
                log.info("closing search on %s failed: %s", self._where, exc)
        return reply.recordings(span)

    async def snapshot(self, camera_id: str, at: TimeSpan) -> bytes | None:
        """None: the recorded-frame endpoint's path is not in the public record (VENDOR-NOTES §4)."""
        return None

    # --- exports -----------------------------------------------------------------------------------
    async def capabilities(self) -> Capabilities:
        """The server's export formats (mp4 when it lists none) and the `name` option."""
        if self._caps is None:
            try:
                names = await self.call(GetFormats()) or (FALLBACK_FORMAT,)
            except ProtocolError as exc:  # not the formats list (HTML, a proxy): the fallback format
                log.info("%s sent no readable formats list: %s", self._where, exc)
                names = (FALLBACK_FORMAT,)
            formats = tuple(FormatSpec(name=n, label=FORMAT_LABELS.get(n, n)) for n in names)
            self._caps = Capabilities(formats=formats, options=(NAME_OPTION,), recordings_known=True)
        return self._caps

    async def start_export(self, request: ExportRequest) -> ExportHandle:
        """Create the export; its id dies with this client's session (session_bound)."""
        zone = await self._send_zone()
        start = to_exacq(request.span.start, zone)
        end = to_exacq(_whole_seconds_up(request.span.end), zone)
        name = str(request.options.get("name", "") or "")
        export_id = await self.call(CreateExport(request.camera_id, start, end, request.format, name))
        data: dict[str, Any] = {
            "camera_id": request.camera_id,
            "format": request.format,
            "start": start,
            "end": end,
            "file_name": file_name(name, request.format),
        }
        return ExportHandle(export_ids=(export_id,), session_bound=True, data=data)

    async def poll(self, handle: ExportHandle) -> ExportStatus:
        """progress/100; done at 100 with one file; ExportLost once the session that made it is gone."""
        export_id = handle.export_ids[0]
        status = await self.call(GetExportStatus(export_id))
        progress = max(0.0, min(1.0, status.progress / 100))
        if status.failed:
            code = status.code or ("success: false" if status.refused else status.status)
            return ExportStatus(
                phase=ExportPhase.FAILED,
                progress=progress,
                error=with_server_words(
                    "exacqVision could not make the export. Check that the camera recorded video in the "
                    "span, then try again",
                    status.error or status.status,
                    code,
                ),
                vendor_error=status.error or status.status,
                vendor_code=code,
            )
        if not status.done:
            return ExportStatus(
                phase=ExportPhase.RUNNING, progress=min(progress, 0.99), state=str(status.status or "")
            )
        fmt = str(handle.data.get("format") or FALLBACK_FORMAT)
        name = handle.data.get("file_name")
        fallback = name if isinstance(name, str) and name else file_name("", fmt)
        remote = RemoteFile(
            name=await self._served_name(export_id) or fallback,
            locator=export_id,
            size=status.size if status.size is not None and status.size >= 0 else None,
        )
        return ExportStatus(phase=ExportPhase.DONE, progress=1.0, files=(remote,))

    async def _served_name(self, export_id: str) -> str:
        """The file name the server gives the download (Content-Disposition), made safe; "" if none.

        Asked with `Range: bytes=0-0` and the body left unread, so at most a byte (or the first chunk
        of a server that ignores Range) crosses the wire. A failure here only costs the name.
        """
        request = DownloadExport(export_id)
        try:
            session = await self._current_session()
            async with self._funnel.stream(
                request.method,
                request.path,
                params=[*request.params(), ("s", session)],
                headers={"Range": "bytes=0-0"},
            ) as body:
                if "json" in body.response.headers.get("content-type", ""):
                    return ""
                return disposition_name(body.response.headers.get("content-disposition", ""))
        except VmsDeskError as exc:
            log.info("%s: no file name from the download of %s: %s", self._where, export_id, exc)
            return ""

    @asynccontextmanager
    async def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AsyncIterator[Download]:
        """The export file from `offset` (Range), after one re-login if the session was refused."""
        async with AsyncExitStack() as stack:
            yield await self._open(stack, DownloadExport(file.locator or handle.export_ids[0]), offset)

    async def _open(self, outer: AsyncExitStack, request: DownloadExport, offset: int) -> BodyStream:
        session = await self._current_session()
        for attempt in range(2):
            params = [*request.params(), ("s", session)]
            async with AsyncExitStack() as stack:
                try:
                    body = await stack.enter_async_context(
                        self._funnel.stream(request.method, request.path, params=params, offset=offset)
                    )
                except NotFound as exc:
                    raise export_lost(self._where, request.export_id, exc.detail) from exc
                except AuthFailed:
                    if attempt:
                        raise
                    session = await self._relogin(session)
                    continue
                if "json" not in body.response.headers.get("content-type", ""):
                    await outer.enter_async_context(stack.pop_all())
                    return body
                content = b""
                async for chunk in body.response.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_MESSAGE:  # a message, not a file: keep only what explains it
                        break
                reply = Reply.of(
                    HttpReply(
                        body.response.status_code,
                        content,
                        body.response.headers,
                        request.method,
                        str(body.response.url),
                    )
                )
            if attempt or not reply.session_refused:
                request.read(reply)  # always raises: a JSON body is never the file
            session = await self._relogin(session)
        raise ProtocolError(f"{self._where} did not send the export file.")  # pragma: no cover

    async def finish(self, handle: ExportHandle) -> str:
        """action=finish: free the export on the server (already gone is fine)."""
        for export_id in handle.export_ids:
            try:
                await self.call(FinishExport(export_id))
            except ExportLost:
                log.info("export %s was already gone from %s", export_id, self._where)
        return "The export was finished (released) on the exacqVision server."

    async def cancel(self, handle: ExportHandle) -> None:
        """exacqVision has no separate cancel: finishing an export stops and frees it."""
        await self.finish(handle)
