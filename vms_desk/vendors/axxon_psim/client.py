"""The Axxon PSIM client: token auth, cameras from web2's config.properties, archive export tasks.

Settings (`ServerConfig.settings`), both optional:
- `web2_url`: where the Web-server 2.0 module (camera list) listens when it is not the export server,
  e.g. `http://psim:8085` (VENDOR-NOTES §2.2: which module serves export is unconfirmed).
- `web2_version`: the `version=` sent with the camera list request (default "1.0").
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from urllib.parse import parse_qsl, urlsplit

import httpx

from vms_desk.core.errors import (
    AuthFailed,
    ExportLost,
    InputError,
    NotFound,
    ProtocolError,
    VendorError,
)
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerConfig, ServerInfo, TimeSpan, Vendor, normalise_url
from vms_desk.core.options import Capabilities, FormatSpec
from vms_desk.core.protocol import Download, ExportHandle, ExportPhase, ExportStatus, RemoteFile
from vms_desk.vendors._http import Funnel, status_error
from vms_desk.vendors.axxon_psim.auth import TokenSession
from vms_desk.vendors.axxon_psim.requests import (
    CONFIG_VERSION,
    CreateArchiveTask,
    GetArchiveTaskStatus,
    GetConfig,
)
from vms_desk.vendors.axxon_psim.wire import (
    TaskReply,
    cameras_from_properties,
    credentials_refused,
    decode_task,
    parse_properties,
)

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
        self._funnel = Funnel(http, config.url, config.label)
        self._session = TokenSession(self._funnel, config.user, self._password)
        web2 = config.settings.get("web2_url", "").strip()
        self._web2 = Funnel(http, normalise_url(web2), config.label) if web2 else self._funnel
        self._cameras: dict[str, Camera] = {}

    # --- protocol -----------------------------------------------------------------------------------
    async def connect(self) -> ServerInfo:
        """Get a token (where the server has `/token`) and check the login against the camera list."""
        await self._session.login()
        await self.list_cameras()
        return ServerInfo(vendor=self.vendor, name=self.config.name)

    async def list_cameras(self) -> list[Camera]:
        """Cameras from web2's config.properties; without the archive right (0x8) not exportable."""
        version = self.config.settings.get("web2_version", CONFIG_VERSION)
        request = GetConfig(login=self.config.user, password=self._password, version=version)
        response = await self._web2.send(request.method, request.path, params=request.params())
        props = parse_properties(response.content)
        if credentials_refused(props):
            raise AuthFailed(
                f"{self.config.label} refused the user name or password for the camera list "
                "(password.invalid=true). Check them in the server's settings.",
                detail="config.properties: password.invalid=true",
            )
        cameras = cameras_from_properties(props)
        self._cameras = {c.id: c for c in cameras}
        return cameras

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
                "or pick another camera.",
                code="no-archive-rights",
                vendor_text=f"cam rights {camera.detail.get('rights', '?')} lack 0x8 (archive access)",
            )
        task = CreateArchiveTask(request.camera_id, request.span.start, request.span.end, request.format)
        reply = self._task_reply(await self._session.call(task), "create task")
        if reply.error:
            raise VendorError(
                f"Axxon PSIM refused the export: {reply.error}. Check the camera, the time span and the "
                "user's archive rights, then try again.",
                code=reply.state or "Error",
                vendor_text=reply.error,
            )
        if not reply.task_id:
            raise ProtocolError("Axxon PSIM accepted the export but sent no task id.", detail=repr(reply))
        return ExportHandle(
            export_ids=(reply.task_id,),
            data={"camera_id": request.camera_id, "format": request.format},
        )

    def _task_reply(self, response: httpx.Response, what: str) -> TaskReply:
        """A task reply; error statuses without a vendor error text become the status's error."""
        error = status_error(response, self.config.label)
        if error is not None and response.status_code >= 500:
            raise error
        try:
            reply = decode_task(response.content, what)
        except ProtocolError:
            if error is not None:
                raise error from None
            raise
        if error is not None and not reply.error:
            raise error
        return reply

    async def poll(self, handle: ExportHandle) -> ExportStatus:
        """State, Percents, the vendor's error, and once ready the file (path+query of `Url`)."""
        task_id = handle.export_ids[0]
        response = await self._session.call(GetArchiveTaskStatus(task_id))
        if response.status_code == 404:
            raise ExportLost(
                f"{self.config.label} no longer knows the export {task_id} (the server may have restarted). "
                "Start the export again.",
                detail=response.text[:200],
            )
        reply = self._task_reply(response, "task status")
        span = reply.actual_span()
        if reply.error:
            return ExportStatus(
                phase=ExportPhase.FAILED,
                progress=reply.progress,
                error=f"Axxon PSIM could not make the export: {reply.error}. "
                "Try again, or export a shorter span.",
                vendor_error=reply.error,
                vendor_code=reply.state or "",
                actual_span=span,
            )
        if not reply.done:
            return ExportStatus(phase=ExportPhase.RUNNING, progress=reply.progress, actual_span=span)
        base_path = urlsplit(self.config.url).path.rstrip("/")
        # Documented form of the link when the server leaves it out.
        locator = reply.locator(base_path) or f"/download?file={task_id}"
        name = f"{task_id}.{handle.data.get('format', 'mp4')}"
        file = RemoteFile(name=name, locator=locator, actual_span=span)
        return ExportStatus(phase=ExportPhase.DONE, progress=1.0, files=(file,), actual_span=span)

    def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AbstractAsyncContextManager[Download]:
        """Stream the file from the CONFIGURED server (never the host named in `Url`), with Range."""
        parts = urlsplit(file.locator)  # a full URL is cut to its path+query too
        params = parse_qsl(parts.query, keep_blank_values=True)
        return self._session.stream(parts.path or "/", params, offset)

    async def finish(self, handle: ExportHandle) -> str:
        """Nothing to release: PSIM's "Deleting archive" request is not public (VENDOR-NOTES §2.1)."""
        # The task and its temporary file stay on the server until PSIM cleans them up itself.
        return "Axxon PSIM offers no call to delete an export; the server removes its copy by itself."

    async def cancel(self, handle: ExportHandle) -> None:
        """No documented way to stop a task: the server finishes it and keeps the file (see finish)."""
        return

    async def aclose(self) -> None:
        """Give the token back (`expires_in=0` logs out); never raises."""
        await self._session.logout()
