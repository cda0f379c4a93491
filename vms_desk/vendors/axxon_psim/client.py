"""The Axxon PSIM client: token auth, cameras from web2's config.properties, archive export tasks.

Settings (`ServerConfig.settings`), both optional (docs/vendors/axxon-psim.md, point 2):
- `web2_url`: where the Web-server 2.0 module listens, e.g. `http://psim:8085/web2` (with or without
  the `/web2` context). Without it vms_desk asks the documented default, the server's host on port
  8085 under `/web2`, and then the server URL itself (a one-port install).
- `web2_version`: the `version=` sent with config.properties; by default read from web2's
  `product/version`.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import httpx

from vms_desk.core.errors import (
    ConnectionFailed,
    InputError,
    NotFound,
    ProtocolError,
    VendorError,
    VmsDeskError,
)
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerConfig, ServerInfo, TimeSpan, Vendor, normalise_url
from vms_desk.core.options import Capabilities, FormatSpec
from vms_desk.core.protocol import Download, ExportHandle, ExportPhase, ExportStatus, RemoteFile
from vms_desk.vendors._http import Funnel
from vms_desk.vendors.axxon_psim.auth import PsimAuth
from vms_desk.vendors.axxon_psim.echo import read_echo
from vms_desk.vendors.axxon_psim.requests import (
    FALLBACK_VERSION,
    CreateArchiveTask,
    DownloadFile,
    GetArchiveTaskStatus,
    GetConfig,
    GetProductVersion,
)
from vms_desk.vendors.request import said, tail_of

WEB2_PORT = 8085  # documented default port of the Web-server 2.0 module
WEB2_CONTEXT = "/web2"


def web2_root(url: str) -> str:
    """A web2 URL ending in its `/web2` context, whether or not the user typed it (no `/web2/web2`)."""
    text = normalise_url(url).rstrip("/")
    return text if text.endswith(WEB2_CONTEXT) else text + WEB2_CONTEXT


def web2_candidates(config: ServerConfig) -> list[str]:
    """Where to look for web2: the setting; else the documented host:8085/web2, then the server URL."""
    setting = config.settings.get("web2_url", "").strip()
    if setting:
        return [web2_root(setting)]
    default = str(httpx.URL(config.url).copy_with(port=WEB2_PORT, path=WEB2_CONTEXT))
    same = web2_root(config.url)
    return [default] if default == same else [default, same]


FORMATS = (
    FormatSpec(name="mp4", label="MP4 (H.264)"),
    FormatSpec(name="avi", label="AVI"),
    FormatSpec(name="flv", label="Flash video (FLV)"),
    FormatSpec(name="mov", label="QuickTime (MOV)"),
    FormatSpec(name="asf", label="Windows Media (ASF)"),
)


class Client:
    """Axxon PSIM 1.0 behind the vendor protocol (VENDOR-NOTES §2 and its Decisions)."""

    vendor = Vendor.AXXON_PSIM

    def __init__(self, config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> None:
        self.config = config
        self._password = password or ""
        self._http = http
        self.auth = PsimAuth(config.user, self._password)
        self._funnel = Funnel(http, config.url, config.label, auth=self.auth)
        self._web2: Funnel | None = None  # found on first use (see web2_candidates)
        self.version = ""
        self._cameras: dict[str, Camera] = {}

    # --- protocol -----------------------------------------------------------------------------------
    async def connect(self) -> ServerInfo:
        """Get a token (where the server has `/token`) and check the login against the camera list."""
        await self.auth.login(self._funnel)
        await self.list_cameras()
        return ServerInfo(vendor=self.vendor, name=self.config.name, version=self.version)

    async def _version(self, web2: Funnel) -> str:
        """`version=` for config.properties: the setting, else web2's product version, else a fallback."""
        if setting := self.config.settings.get("web2_version", "").strip():
            return setting
        try:
            return await web2.call(GetProductVersion())
        except (NotFound, ProtocolError):
            return FALLBACK_VERSION  # informational for us; the server decides what it accepts

    async def list_cameras(self) -> list[Camera]:
        """Cameras from web2's config.properties; without the archive right (0x8) not exportable."""
        tried: list[str] = []
        last: VmsDeskError | None = None
        funnels = (
            [self._web2]
            if self._web2
            else [Funnel(self._http, url, self.config.label) for url in web2_candidates(self.config)]
        )
        for web2 in funnels:
            try:
                version = await self._version(web2)
                cameras = await web2.call(GetConfig(self.config.user, self._password, version))
            except (ConnectionFailed, NotFound) as exc:
                tried.append(web2.base_url)
                last = exc
                continue
            self._web2, self.version = web2, version
            self._cameras = {c.id: c for c in cameras}
            return cameras
        assert last is not None
        if self._web2 is not None:
            raise last  # web2 answered before: this is an outage or a lost camera list, not a wrong address
        raise type(last)(
            f"{self.config.label} has no Web-server 2.0 (web2) camera list at {' or '.join(tried)}. "
            "Set web2_url in the server's settings to the web2 module's address, e.g. http://host:8085/web2."
            + tail_of(last),
            detail=last.detail,
        ) from last

    async def recordings(self, camera_id: str, span: TimeSpan) -> Recordings:
        """PSIM documents no archive listing over HTTP: unknown."""
        return Recordings(known=False)

    async def capabilities(self) -> Capabilities:
        """The five documented containers; no options."""
        return Capabilities(formats=FORMATS, recordings_known=False)

    async def snapshot(self, camera_id: str, at: TimeSpan) -> bytes | None:
        """No documented archive frame request."""
        return None

    async def _camera(self, camera_id: str) -> Camera:
        if camera_id not in self._cameras:
            await self.list_cameras()
        camera = self._cameras.get(camera_id)
        if camera is None:
            raise NotFound(
                f"{self.config.label} has no camera with id {camera_id!r}. "
                "List the cameras (`vms-desk cameras`) and use one of their ids."
            )
        return camera

    async def start_export(self, request: ExportRequest) -> ExportHandle:
        """Create an archive task; a camera without archive rights is refused before asking."""
        if request.format not in {f.name for f in FORMATS}:
            raise InputError(f"Axxon PSIM exports mp4, avi, flv, mov or asf, not {request.format!r}.")
        camera = await self._camera(request.camera_id)
        if not camera.exportable:
            raise VendorError(
                f"The user {self.config.user!r} has no archive rights for the camera {camera.name!r} "
                f"(id {camera.id}) on {self.config.label}. Ask the PSIM administrator for archive access, "
                "or pick another camera."
                + said(f"rights={camera.detail.get('rights', '?')}", "config.properties"),
                code="no-archive-rights",
                vendor_text=f"cam rights {camera.detail.get('rights', '?')} lack 0x8 (archive access)",
            )
        task = CreateArchiveTask(request.camera_id, request.span.start, request.span.end, request.format)
        reply = await self._funnel.call(task)
        if reply.error:
            code = reply.state or "Error"
            raise VendorError(
                "Axxon PSIM refused the export. Check the camera, the time span and the user's archive "
                f"rights, then try again.{said(reply.error, code)}",
                code=code,
                vendor_text=reply.error,
            )
        if not reply.task_id:
            raise ProtocolError("Axxon PSIM accepted the export but sent no task id.", detail=repr(reply))
        return ExportHandle(
            export_ids=(reply.task_id,),
            data={
                "camera_id": request.camera_id,
                "format": request.format,
                # The requested span, to judge the server's time echo against (echo.py).
                "from": request.span.start.isoformat(),
                "to": request.span.end.isoformat(),
            },
        )

    async def poll(self, handle: ExportHandle) -> ExportStatus:
        """State, Percents, the vendor's error, and once ready the file (path+query of `Url`)."""
        task_id = handle.export_ids[0]
        reply = await self._funnel.call(GetArchiveTaskStatus(task_id))
        echo = read_echo(reply.start, reply.end, _requested(handle))
        span = echo.actual if echo else None
        note = echo.note if echo else ""
        if reply.error:
            code = reply.state or "ErrorMessage"
            return ExportStatus(
                phase=ExportPhase.FAILED,
                progress=reply.progress,
                error="Axxon PSIM could not make the export. Try again, or export a shorter span."
                + said(reply.error, code),
                vendor_error=reply.error,
                vendor_code=code,
                actual_span=span,
                message=note,
            )
        if not reply.done:
            return ExportStatus(
                phase=ExportPhase.RUNNING, progress=reply.progress, actual_span=span, state=reply.state or ""
            )
        base_path = urlsplit(self.config.url).path.rstrip("/")
        # Documented form of the link when the server leaves it out.
        locator = reply.locator(base_path) or f"/download?file={task_id}"
        name = f"{task_id}.{handle.data.get('format', 'mp4')}"
        file = RemoteFile(name=name, locator=locator, actual_span=span)
        return ExportStatus(
            phase=ExportPhase.DONE, progress=1.0, files=(file,), actual_span=span, message=note
        )

    def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AbstractAsyncContextManager[Download]:
        """Stream the file from the CONFIGURED server (never the host named in `Url`), with Range."""
        parts = urlsplit(file.locator)  # a full URL is cut to its path+query too
        params = tuple(parse_qsl(parts.query, keep_blank_values=True))
        return self._funnel.download(DownloadFile(parts.path or "/", params), offset)

    async def finish(self, handle: ExportHandle) -> str:
        """Nothing to release: PSIM's "Deleting archive" request is not public (VENDOR-NOTES §2.1)."""
        # The task and its temporary file stay on the server until PSIM cleans them up itself.
        return "Axxon PSIM offers no call to delete an export; the server removes its copy by itself."

    async def cancel(self, handle: ExportHandle) -> None:
        """No documented way to stop a task: the server finishes it and keeps the file (see finish)."""
        return

    async def aclose(self) -> None:
        """Give the token back (`expires_in=0` logs out); never raises."""
        await self.auth.logout(self._funnel)


def _requested(handle: ExportHandle) -> TimeSpan | None:
    """The span the export asked for (stored in the handle), or None for an older handle."""
    start, end = handle.data.get("from"), handle.data.get("to")
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    try:
        return TimeSpan(start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))
    except ValueError:
        return None
