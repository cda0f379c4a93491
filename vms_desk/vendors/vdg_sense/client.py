"""The VDG Sense client: the documented digest login or HTTP Basic, devices, server-side exports, shares.

The API session is carried by whatever cookies the server sets; the client keeps them itself (never
the shared HTTP client's jar, which other servers on the same host would share) and remembers a hash
of them in each export handle, because VDG export ids die with their session (VENDOR-NOTES §3.2).
Settings: `share_server_prefix` and `share_local_path` (see share.py); `login`, `digest_nonce` and
`digest_recipe` (see login.py).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx

from vms_desk.core.errors import ExportLost, InputError, NotFound, ServerError, VendorError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerConfig, ServerInfo, TimeSpan, Vendor
from vms_desk.core.options import Capabilities, FormatSpec, OptionKind, OptionSpec
from vms_desk.core.protocol import Download, ExportHandle, ExportPhase, ExportStatus, RemoteFile
from vms_desk.vendors._http import Funnel, reply_error
from vms_desk.vendors._words import with_server_words
from vms_desk.vendors._xml import child_text
from vms_desk.vendors.request import server_words
from vms_desk.vendors.vdg_sense.login import LoginSettings
from vms_desk.vendors.vdg_sense.requests import (
    DeleteExport,
    ExportVideo,
    GetDeviceList,
    GetExportVideoStatus,
    VdgCommand,
)
from vms_desk.vendors.vdg_sense.session import VdgSession
from vms_desk.vendors.vdg_sense.share import ShareMapping, new_files, read_local, snapshot
from vms_desk.vendors.vdg_sense.wire import UNKNOWN_EXPORT, ExportEntry, check_result

log = logging.getLogger(__name__)

FORMATS = (FormatSpec(name="native", label="VDG native export (written on the server)"),)
OPTIONS = (
    OptionSpec(
        name="path",
        kind=OptionKind.PATH,
        label="Export folder on the server",
        help="A folder as the VDG Sense server sees it, e.g. D:\\Exports\\case 1; created if missing.",
        required=True,
    ),
    OptionSpec(
        name="bandwidth",
        kind=OptionKind.INT,
        label="Bandwidth limit (bytes/s)",
        help="For a metered storage path; 0 copies as fast as possible.",
        minimum=0,
        default=0,
    ),
)


class Client:
    """VDG Sense (API 2.7.3+) behind the vendor protocol (VENDOR-NOTES §3, docs/vendors/vdg-sense.md)."""

    vendor = Vendor.VDG_SENSE

    def __init__(self, config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> None:
        self.config = config
        self._share = ShareMapping.from_settings(config.settings)
        login = LoginSettings.from_settings(config.settings)
        self._auth = VdgSession(config.user, password or "", login, config.label)
        self._funnel = Funnel(http, config.url, config.label, auth=self._auth)

    @property
    def login_scheme(self) -> str | None:
        """The scheme that got a command through: "AuthenticateUserDigest" or "HTTP Basic"."""
        return self._auth.login_scheme

    # --- the one command funnel ---------------------------------------------------------------------
    def _session(self) -> str:
        """A hash naming the current API session ("" while the server has set no cookie)."""
        return self._auth.hash()

    async def command[R](self, request: VdgCommand[R]) -> R:
        """Send a command (vendors.request) in the current session; a refused session is logged in again
        once by the VdgSession policy. A negative errorcode is a VendorError; a 401 after the login is
        AuthFailed naming the schemes tried; every message ends with the server's words."""
        reply = await self._funnel.exchange(request)
        self._auth.absorb(reply)
        if reply.status == 401:
            words = server_words(reply)
            try:  # the words are the XML's description when the 401 carries a <result>
                words = child_text(check_result(reply.content, command="login"), "description") or words
            except VendorError as exc:
                words = exc.vendor_text or words
            except ServerError:
                pass
            raise self._auth.refusal_error(reply, words)
        if reply.status >= 400:
            raise reply_error(reply, self.config.label)
        return request.decode(reply)

    # --- protocol -----------------------------------------------------------------------------------
    async def connect(self) -> ServerInfo:
        """Read `/info`, log in (digest, then Basic: see login.py) and list the devices.

        The scheme that worked is `login_scheme`, logged, and named in the version text.
        """
        version, _ = await self._auth.read_info(self._funnel)
        await self.list_cameras()
        signed = f"signed in with {self.login_scheme}"
        return ServerInfo(
            vendor=self.vendor, name=self.config.name, version=f"{version} ({signed})" if version else signed
        )

    async def list_cameras(self) -> list[Camera]:
        """Every device from getDeviceList, with id `<serverid>/<deviceid>`."""
        return await self.command(GetDeviceList())

    async def recordings(self, camera_id: str, span: TimeSpan) -> Recordings:
        """No documented recordings listing for the HTTP API: unknown."""
        return Recordings(known=False)

    async def capabilities(self) -> Capabilities:
        """The native format with the server-side folder and bandwidth options."""
        return Capabilities(
            formats=FORMATS, options=OPTIONS, recordings_known=False, files_stay_on_server=self._share is None
        )

    async def snapshot(self, camera_id: str, at: TimeSpan) -> bytes | None:
        """Not offered for recorded frames here."""
        return None

    async def start_export(self, request: ExportRequest) -> ExportHandle:
        """POST exportVideo for one device into the server folder `path`."""
        serverid, _, deviceid = request.camera_id.partition("/")
        if not serverid.strip() or not deviceid.strip():
            raise InputError(
                f"{request.camera_id!r} is not a VDG Sense camera id: they look like <serverid>/<deviceid> "
                "(see `vms-desk cameras`)."
            )
        path = str(request.options.get("path") or "").strip()
        if not path:
            raise InputError(
                r"VDG Sense needs the export folder on the server: add --option path=D:\Exports\case1."
            )
        bandwidth = request.options.get("bandwidth", 0)
        if isinstance(bandwidth, bool) or not isinstance(bandwidth, int) or bandwidth < 0:
            raise InputError(
                f"bandwidth must be a whole number of bytes per second, 0 or more (got {bandwidth!r})."
            )
        local = self._share.local_folder(path) if self._share else None
        before = await asyncio.to_thread(snapshot, local) if local else {}
        try:
            body = ExportVideo(serverid, deviceid, request.span.start, request.span.end, path, bandwidth)
        except ValueError as exc:  # lxml refuses characters XML cannot carry
            raise InputError(f"The export folder {path!r} contains characters that cannot be sent.") from exc
        export_id = await self.command(body)
        return ExportHandle(
            export_ids=(export_id,),
            session_bound=True,
            data={"path": path, "camera_id": request.camera_id, "session": self._session(), "before": before},
        )

    def _lost(self, handle: ExportHandle) -> ExportLost:
        ident, path = handle.export_ids[0], handle.data.get("path", "")
        if handle.data.get("session", "") != self._session():
            return ExportLost(
                f"The VDG Sense API session ended (the server restarted or logged vms_desk out), and the "
                f"export id {ident} was lost with it: VDG export ids live only as long as their session. The "
                f"export may still finish in {path} on the server; start it again to follow it here.",
                detail=f"export {ident}: session changed",
            )
        return ExportLost(
            f"VDG Sense no longer knows the export id {ident} (it was removed, or the server's plugin "
            f"manager restarted). The export may still finish in {path} on the server; start it again to "
            "follow it here.",
            detail=f"export {ident} unknown in the same session",
        )

    async def _entry(self, handle: ExportHandle) -> ExportEntry:
        """This handle's export in the current session, or ExportLost."""
        ident = handle.export_ids[0]
        try:
            entries = await self.command(GetExportVideoStatus(ident))
        except VendorError as exc:
            if exc.code == str(UNKNOWN_EXPORT):
                raise self._lost(handle) from exc
            raise
        if handle.data.get("session", "") != self._session():
            raise self._lost(handle)  # the same small id may now name another export of a new session
        serverid, _, deviceid = str(handle.data.get("camera_id", "")).partition("/")
        for entry in entries:
            ours = (
                any(
                    d.serverid.lower() == serverid.lower() and d.deviceid.lower() == deviceid.lower()
                    for d in entry.devices
                )
                or not entry.devices
            )
            if entry.export_id == ident and ours:
                return entry
        raise self._lost(handle)

    async def poll(self, handle: ExportHandle) -> ExportStatus:
        """Done when every device is; then the files from the mapped share, if there is one."""
        entry = await self._entry(handle)
        path = str(handle.data.get("path", "")) or entry.path
        phase, progress, failure = entry.summary()
        if phase is ExportPhase.FAILED:
            return ExportStatus(
                phase=phase,
                progress=progress,
                error=with_server_words(
                    f"VDG Sense could not export into {path}. Try again, or pick another span",
                    failure,
                    entry.words,
                    label="status",
                ),
                vendor_error=failure,
                vendor_code=entry.words,
                server_path=path,
            )
        if phase is ExportPhase.RUNNING:
            # The server's own status word, verbatim, so an unknown word shows in the job's events.
            said = f"VDG Sense reports: {entry.words}" if entry.words else ""
            return ExportStatus(
                phase=phase, progress=progress, server_path=path, message=said, state=entry.words or ""
            )
        return await self._done(handle, path)

    async def _done(self, handle: ExportHandle, path: str) -> ExportStatus:
        local = self._share.local_folder(path) if self._share else None
        if local is None:
            why = "no share mapping is set" if self._share is None else "it is outside the mapped share"
            return ExportStatus(
                phase=ExportPhase.DONE,
                progress=1.0,
                server_path=path,
                files_local=False,
                message=f"The files stay on the server at {path}: VDG Sense cannot send them over its API "
                f"and {why}. Copy them from there, or map that folder in the server's settings.",
            )
        before = handle.data.get("before") or {}
        files = await asyncio.to_thread(new_files, local, before if isinstance(before, dict) else {})
        if not files:
            return ExportStatus(
                phase=ExportPhase.DONE,
                progress=1.0,
                server_path=path,
                files_local=False,
                message=f"VDG Sense finished the export into {path}, but no new files appeared in {local}; "
                "the files stay on the server. Check the share mapping in the server's settings.",
            )
        return ExportStatus(phase=ExportPhase.DONE, progress=1.0, files=tuple(files), server_path=path)

    def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AbstractAsyncContextManager[Download]:
        """Read a file from the mapped share folder (only from inside it)."""
        local = self._share.local_folder(str(handle.data.get("path", ""))) if self._share else None
        target = Path(file.locator)
        if local is None or not target.resolve().is_relative_to(local.resolve()):
            raise NotFound(
                f"The file {file.name} is not in the share folder mapped for this export; check the share "
                "mapping in the server's settings.",
                detail=f"locator outside {local}",
            )
        return read_local(target, offset)

    async def finish(self, handle: ExportHandle) -> str:
        """Nothing to release: the files ARE the result, on the server's own disk, and the status entry
        holds no resources (the documented DELETE removes only pending exports)."""
        return "The exported files stay on the VDG Sense server, where they were asked to go."

    async def cancel(self, handle: ExportHandle) -> None:
        """DELETE exportVideo&exportid= — only after checking the id still names our export."""
        try:
            await self._entry(handle)
        except ExportLost:
            return  # gone with its session: nothing of ours to remove
        try:
            await self.command(DeleteExport(handle.export_ids[0]))
        except VendorError as exc:
            if exc.code != str(UNKNOWN_EXPORT):
                raise

    async def aclose(self) -> None:
        """No documented logout: forget the session cookies (the next call logs in again)."""
        self._auth.forget()
