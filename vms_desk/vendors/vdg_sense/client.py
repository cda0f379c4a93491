"""The VDG Sense client: the documented digest login or HTTP Basic, devices, server-side exports, shares.

The API session is carried by whatever cookies the server sets; the client keeps them itself (never
the shared HTTP client's jar, which other servers on the same host would share) and remembers a hash
of them in each export handle, because VDG export ids die with their session (VENDOR-NOTES §3.2).
Settings: `share_server_prefix` and `share_local_path` (see share.py); `login`, `digest_nonce` and
`digest_recipe` (see login.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from lxml import etree

from vms_desk.core.errors import AuthFailed, ExportLost, InputError, NotFound, ServerError, VendorError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerConfig, ServerInfo, TimeSpan, Vendor
from vms_desk.core.options import Capabilities, FormatSpec, OptionKind, OptionSpec
from vms_desk.core.protocol import Download, ExportHandle, ExportPhase, ExportStatus, RemoteFile
from vms_desk.vendors._http import Funnel, status_error
from vms_desk.vendors._words import with_server_words
from vms_desk.vendors._xml import child_text
from vms_desk.vendors.vdg_sense.login import (
    BASIC_SCHEME,
    DIGEST_SCHEME,
    LOGIN_SETTING,
    NONCE_SETTING,
    RECIPE_SETTING,
    WEBSERVICE_PATH,
    AuthenticateUserDigest,
    LoginMode,
    LoginSettings,
    LoginVerdict,
    read_verdict,
    timestamp,
)
from vms_desk.vendors.vdg_sense.requests import (
    COMMAND_PATH,
    INFO_PATH,
    DeleteExport,
    ExportVideo,
    GetDeviceList,
    GetExportVideoStatus,
    VdgCommand,
)
from vms_desk.vendors.vdg_sense.share import ShareMapping, new_files, read_local, snapshot
from vms_desk.vendors.vdg_sense.wire import (
    UNKNOWN_EXPORT,
    ExportEntry,
    check_result,
    parse_devices,
    parse_export_id,
    parse_exports,
    parse_info,
)

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
        self._password = password or ""
        self._basic = httpx.BasicAuth(config.user, self._password)
        self._funnel = Funnel(http, config.url, config.label)
        self._share = ShareMapping.from_settings(config.settings)
        self._login = LoginSettings.from_settings(config.settings)
        self._cookies: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._info: tuple[str, timedelta] | None = None  # (API version, server clock - ours) from /info
        self.login_scheme: str | None = None  # DIGEST_SCHEME or BASIC_SCHEME once a command got through
        self._scheme: str | None = None  # the scheme commands are sent with now
        self._digest_refusal: LoginVerdict | None = None
        self._generation = 0  # counts logins, so concurrent callers re-log in once

    # --- the one command funnel ---------------------------------------------------------------------
    def _session(self) -> str:
        """A hash naming the current API session ("" while the server has set no cookie)."""
        if not self._cookies:
            return ""
        joined = "; ".join(f"{k}={v}" for k, v in sorted(self._cookies.items()))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]

    def _headers(self) -> dict[str, str]:
        # An explicit Cookie header (even empty) keeps httpx's shared jar out of this session.
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self._cookies.items())}

    async def _send(self, request: VdgCommand) -> httpx.Response:
        body = request.body()
        headers = self._headers()
        if body is not None:
            headers["Content-Type"] = "text/xml; charset=utf-8"
        response = await self._funnel.send(
            request.method,
            COMMAND_PATH,
            params=[("command", request.command), *request.params()],
            headers=headers,
            content=body,
            auth=self._basic if self._scheme == BASIC_SCHEME else None,
            check=False,
        )
        self._cookies.update(response.cookies.items())
        return response

    async def command(self, request: VdgCommand, *, path: str = "") -> etree._Element:
        """Send a command in the current session; a refused session is logged in again once.

        A negative errorcode is a VendorError; a 401 after the login is AuthFailed naming the schemes tried.
        """
        generation = await self._ensure_login()
        response = await self._send(request)
        if response.status_code == 401 and self._scheme == DIGEST_SCHEME:
            log.info(
                "%s refused the digest session on %s; logging in again", self.config.label, request.command
            )
            await self._relogin(generation)
            response = await self._send(request)
            if response.status_code == 401 and self._login.mode is LoginMode.AUTO:
                # The digest login is accepted but /command does not take its session: use Basic.
                log.info(
                    "%s: /command needs more than the digest session; trying HTTP Basic", self.config.label
                )
                self._scheme = BASIC_SCHEME
                response = await self._send(request)
        if response.status_code == 401:
            raise self._refused(response)
        if (error := status_error(response, self.config.label)) is not None:
            raise error
        if self.login_scheme != self._scheme:
            self.login_scheme = self._scheme
            log.info("%s: signed in with %s", self.config.label, self._scheme)
        return check_result(response.content, command=request.command, path=path)

    def _refused(self, response: httpx.Response) -> AuthFailed:
        words = response.content[:300].decode("utf-8", "replace").strip()
        try:
            root = check_result(response.content, command="login")
            words = child_text(root, "description") or words
        except ServerError as exc:
            words = getattr(exc, "vendor_text", "") or words
        tried = [self._scheme or BASIC_SCHEME]
        if self._digest_refusal is not None and self._scheme == BASIC_SCHEME:
            refusal = self._digest_refusal
            tried = [
                f"{DIGEST_SCHEME} (refused: {refusal.text or refusal.code or 'no reason given'})",
                *tried,
            ]
        sentence = (
            f"{self.config.label} refused the user name or password (tried {' and then '.join(tried)}). "
            f"Check them, and the login settings ({LOGIN_SETTING}, {NONCE_SETTING}) in the server's settings"
        )
        return AuthFailed(
            with_server_words(sentence, words, "HTTP 401"),
            detail=f"{response.request.method} {response.request.url.path} -> 401",
        )

    # --- login --------------------------------------------------------------------------------------
    async def _read_info(self) -> tuple[str, timedelta]:
        """/info: the API version and the server's UTC clock (no auth; 404 before API 2.6.1)."""
        if self._info is None:
            response = await self._funnel.send("GET", INFO_PATH, check=False)
            version, offset = "", timedelta(0)
            if response.status_code == 200:
                version, server_utc = parse_info(response.content)
                if server_utc is not None:
                    offset = server_utc - datetime.now(UTC)
            elif response.status_code != 404 and (error := status_error(response, self.config.label)):
                raise error
            self._info = (version, offset)
        return self._info

    async def _ensure_login(self) -> int:
        async with self._lock:
            if self._scheme is None:
                await self._login_locked()
            return self._generation

    async def _relogin(self, generation: int) -> None:
        async with self._lock:
            if generation != self._generation:
                return  # another call has logged in again already
            self._cookies.clear()
            self._scheme = None
            await self._login_locked()

    async def _login_locked(self) -> None:
        self._generation += 1
        if self._login.mode is LoginMode.BASIC:
            self._scheme = BASIC_SCHEME
            return
        verdict = await self._digest_login()
        if verdict.accepted:
            self._scheme, self._digest_refusal = DIGEST_SCHEME, None
            return
        self._digest_refusal = verdict
        if self._login.mode is LoginMode.DIGEST:
            raise AuthFailed(
                with_server_words(
                    f"{self.config.label} refused the {DIGEST_SCHEME} login for {self.config.user!r}. "
                    "Check the user name and password; if they are right, the server may compute the digest "
                    f"differently (settings {NONCE_SETTING}, {RECIPE_SETTING}) or accept only HTTP Basic "
                    f"({LOGIN_SETTING}=basic)",
                    verdict.text,
                    verdict.code,
                ),
                detail=f"POST {WEBSERVICE_PATH}: {verdict}",
            )
        log.info(
            "%s did not accept the %s login (%s %s); falling back to HTTP Basic",
            self.config.label,
            DIGEST_SCHEME,
            verdict.code,
            verdict.text,
        )
        self._scheme = BASIC_SCHEME

    async def _digest_login(self) -> LoginVerdict:
        _, offset = await self._read_info()
        message = AuthenticateUserDigest(
            self.config.user,
            self._password,
            self._login.nonce,
            timestamp(datetime.now(UTC) + offset),
            self._login.recipe,
        )
        headers = {**self._headers(), "Content-Type": "text/xml; charset=utf-8"}
        response = await self._funnel.send(
            message.method, message.path, headers=headers, content=message.body(), check=False
        )
        if response.status_code >= 500 and (error := status_error(response, self.config.label)):
            raise error
        verdict = read_verdict(response.status_code, response.content)
        if verdict.accepted:
            self._cookies.update(response.cookies.items())
        return verdict

    # --- protocol -----------------------------------------------------------------------------------
    async def connect(self) -> ServerInfo:
        """Read `/info`, log in (digest, then Basic: see login.py) and list the devices.

        The scheme that worked is `login_scheme`, logged, and named in the version text.
        """
        version, _ = await self._read_info()
        await self.list_cameras()
        signed = f"signed in with {self.login_scheme}"
        return ServerInfo(
            vendor=self.vendor, name=self.config.name, version=f"{version} ({signed})" if version else signed
        )

    async def list_cameras(self) -> list[Camera]:
        """Every device from getDeviceList, with id `<serverid>/<deviceid>`."""
        return parse_devices(await self.command(GetDeviceList()))

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
        export_id = parse_export_id(await self.command(body, path=path))
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
            root = await self.command(GetExportVideoStatus(ident))
        except VendorError as exc:
            if exc.code == str(UNKNOWN_EXPORT):
                raise self._lost(handle) from exc
            raise
        if handle.data.get("session", "") != self._session():
            raise self._lost(handle)  # the same small id may now name another export of a new session
        serverid, _, deviceid = str(handle.data.get("camera_id", "")).partition("/")
        for entry in parse_exports(root):
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
            return ExportStatus(phase=phase, progress=progress, server_path=path, message=said)
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
        self._cookies.clear()
        self._scheme = None
