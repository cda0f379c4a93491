"""The Axis VAPIX edge-storage client: video sources of one device, their recordings, MKV exports.

An Axis export is not a server-side job: the device renders the file while answering
exportrecording.cgi. So `start_export` only plans (one file per recording that overlaps the span,
each starting on the key frame properties.cgi returns), `poll` is done at once, and the download is
the export.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypeVar

import httpx

from vms_desk.core.errors import ExportLost, InputError, NotFound, ProtocolError, VendorError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerConfig, ServerInfo, TimeSpan, Vendor
from vms_desk.core.options import Capabilities
from vms_desk.core.protocol import Download, ExportHandle, ExportPhase, ExportStatus, RemoteFile
from vms_desk.vendors._http import BodyStream, Funnel
from vms_desk.vendors.axis import requests as rq
from vms_desk.vendors.axis import wire
from vms_desk.vendors.axis.auth import AxisAuth, AxisPolicy
from vms_desk.vendors.axis.errors import vendor_error
from vms_desk.vendors.axis.handle import Part, Plan, file_name, plan_of
from vms_desk.vendors.axis.options import (
    capabilities_from,
    device_format,
    encryption_of,
    extension,
    format_name,
    source_of,
)

R = TypeVar("R")

MAX_PAGES = 50  # record/list.cgi pages read for one span; more means the span is too long to plan
MAX_ERROR_BODY = 64 * 1024
ENCRYPTED_EXPORT_LOST = (
    "This export is a password-protected ZIP, and vms_desk keeps that password only in memory while the "
    "export runs. vms_desk was restarted since, so start the export again and give the password."
)


class Client:
    """VendorClient for one Axis device (cameras = its video sources, ids "1", "2", ...)."""

    vendor = Vendor.AXIS

    def __init__(self, config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> None:
        self.config = config
        https = config.url.lower().startswith("https://")
        self._auth = AxisAuth(config.user, password or "", https=https, where=config.url)
        self._funnel = Funnel(http, config.url, config.label, auth=AxisPolicy(self._auth))
        self._device: wire.DeviceInfo | None = None
        self._caps: wire.ExportCapabilities | None = None
        # ZIP passwords of running encrypted exports, by plan key: never in the handle, a file or a log.
        self._passwords: dict[str, str] = {}

    async def call(self, request: rq.ApiRequest[R]) -> R:
        """Send one request through the funnel (vendors.request); a GeneralError body is a VendorError."""
        return await self._funnel.call(request)

    async def device(self) -> wire.DeviceInfo:
        """Name, serial and firmware; basicdeviceinfo.cgi, or param.cgi on firmware without it."""
        if self._device is None:
            try:
                self._device = await self.call(rq.BasicDeviceInfo())
            except (NotFound, VendorError):
                params = await self.call(rq.ParamList(("root.Brand", "root.Properties")))
                self._device = wire.device_info_from_params(params)
        return self._device

    @property
    def auth_scheme(self) -> str | None:
        """The scheme the device's challenge was answered with ("Digest SHA-256", "Digest MD5", "Basic")."""
        return self._auth.scheme

    async def connect(self) -> ServerInfo:
        """The first request answers the device's strongest challenge; the device's name and firmware."""
        info = await self.device()
        return ServerInfo(vendor=self.vendor, name=info.name, version=info.version)

    async def list_cameras(self) -> list[Camera]:
        """One camera per video source (root.ImageSource), numbered from 1."""
        info = await self.device()
        try:
            names = wire.source_names(await self.call(rq.ParamList(("root.ImageSource",))))
        except (NotFound, VendorError):
            names = {}
        names = names or {1: ""}
        cameras = []
        for number, source_name in sorted(names.items()):
            if source_name:
                name = f"{info.name} – {source_name}"
            else:
                name = info.name if len(names) == 1 else f"{info.name} – source {number}"
            detail = {"source": str(number), "device": info.name, "serial": info.serial}
            cameras.append(Camera(id=str(number), name=name, detail=detail))
        return cameras

    async def disks(self) -> tuple[wire.Disk, ...]:
        """The device's disks (SD card, network share) with their state."""
        return await self.call(rq.DiskList())

    async def recordings(self, camera_id: str, span: TimeSpan) -> Recordings:
        """The recordings of the source that overlap the span, clipped to it."""
        found = await self._overlapping(source_of(camera_id), span)
        return Recordings(known=True, spans=tuple(clip for _, clip in found))

    async def _overlapping(self, source: str, span: TimeSpan) -> list[tuple[wire.Recording, TimeSpan]]:
        """Recordings of `source` with any part in the span, each with the span clipped to it."""
        seen: dict[str, wire.Recording] = {}
        first = 0
        for _ in range(MAX_PAGES):
            page = await self.call(rq.RecordingListRequest(span.start, span.end, first))
            for rec in page.recordings:
                seen.setdefault(rec.recordingid, rec)
            first += len(page.recordings)
            if not page.recordings or first >= page.matched:
                break
        else:
            raise ProtocolError(
                f"The Axis device at {self.config.url} lists more recordings in this span than vms_desk "
                "reads at once. Pick a shorter span.",
                detail=f"record/list.cgi: over {MAX_PAGES} pages ({first} recordings)",
            )
        result = []
        for rec in sorted(seen.values(), key=lambda r: r.start):
            # `source` is named only by multichannel devices (and in <video source>); a recording
            # without one belongs to the only source, 1. The list is filtered here rather than with
            # list.cgi's `source` argument, whose effect on single-channel devices is not documented.
            if (rec.source or "1") != source:
                continue
            # An ongoing recording has no stop yet: it covers the span up to the span's end.
            stop = rec.stop or max(span.end, rec.start)
            clip = span.clip(TimeSpan(start=rec.start, end=max(stop, rec.start)))
            if clip is not None:
                result.append((rec, clip))
        return result

    async def _export_caps(self) -> wire.ExportCapabilities:
        """capabilities.cgi, read once: the device's own export formats (issue 9 point 13).

        A device without it (HTTP 404) exports Matroska, the one format the API description names; a
        GeneralError is a failure with the device's code and text, not a silent Matroska.
        """
        if self._caps is None:
            try:
                caps = await self.call(rq.ExportCapabilitiesRequest())
            except NotFound:
                caps = wire.ExportCapabilities(formats=(rq.MATROSKA,))
            if not caps.formats:
                caps = wire.ExportCapabilities(formats=(rq.MATROSKA,), encryptions=caps.encryptions)
            self._caps = caps
        return self._caps

    async def capabilities(self) -> Capabilities:
        """The device's formats (matroska shown as mkv); a password and encryption where it can encrypt."""
        return capabilities_from(await self._export_caps())

    async def snapshot(self, camera_id: str, at: TimeSpan) -> bytes | None:
        """None: the edge-storage API has no recorded-frame snapshot."""
        return None

    async def start_export(self, request: ExportRequest) -> ExportHandle:
        """Plan one file per overlapping recording, each starting on its key frame (properties.cgi)."""
        offered = (await self._export_caps()).formats
        export_format = device_format(request.format, offered)
        if export_format is None:
            listed = ", ".join(format_name(f) for f in offered)
            raise InputError(
                f"The Axis device at {self.config.url} exports {listed}, not {request.format!r}: pick one."
            )
        source = source_of(request.camera_id)
        password, encryption = encryption_of(request)
        found = await self._overlapping(source, request.span)
        if not found:
            raise NotFound(
                f"Nothing is recorded on camera {request.camera_id} of {self.config.label} between "
                f"{request.span.start:%Y-%m-%d %H:%M:%S} and {request.span.end:%Y-%m-%d %H:%M:%S} UTC. "
                "Pick a span with recordings (see `vms-desk recordings`)."
            )
        parts: list[Part] = []
        names: set[str] = set()
        for rec, clip in found:
            props = await self.call(
                rq.ExportPropertiesRequest(
                    rec.recordingid, rec.diskid, clip.start, clip.end, encryption, export_format
                )
            )
            name = file_name(props.start, clip.end, bool(password), extension(export_format))
            if name in names:  # two recordings within one second: keep the names apart
                name = f"{rec.recordingid}_{name}"
            names.add(name)
            parts.append(
                Part(
                    recordingid=rec.recordingid,
                    diskid=rec.diskid,
                    start=clip.start,
                    stop=clip.end,
                    actual_start=props.start,
                    estimated_kb=props.estimated_kb,
                    name=name,
                )
            )
        plan = Plan(
            key=uuid.uuid4().hex,
            camera_id=request.camera_id,
            encryption=encryption,
            export_format=export_format,
            parts=tuple(parts),
        )
        if password:
            self._passwords[plan.key] = password
        return plan.handle()

    async def poll(self, handle: ExportHandle) -> ExportStatus:
        """Done at once: the files are rendered by the device while they are downloaded."""
        plan = plan_of(handle)
        if plan.encrypted and plan.key not in self._passwords:
            return ExportStatus(phase=ExportPhase.FAILED, error=ENCRYPTED_EXPORT_LOST)
        files = tuple(p.remote_file() for p in plan.parts)
        return ExportStatus(phase=ExportPhase.DONE, progress=1.0, files=files, actual_span=plan.actual_span)

    def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AbstractAsyncContextManager[Download]:
        """exportrecording.cgi for one recording from its key-frame start (Range from `offset` for MKV)."""
        return self._download(handle, file, offset)

    @asynccontextmanager
    async def _download(self, handle: ExportHandle, file: RemoteFile, offset: int) -> AsyncIterator[Download]:
        plan = plan_of(handle)
        part = plan.part(file.locator)
        if part is None:
            raise NotFound(f"The Axis export has no file {file.name!r}; start the export again.")
        password = self._passwords.get(plan.key, "")
        if plan.encrypted and not password:
            raise ExportLost(ENCRYPTED_EXPORT_LOST)
        request = rq.ExportRecording(
            part.recordingid,
            part.diskid,
            part.actual_start,
            part.stop,
            filename=part.name.rsplit(".", 1)[0] if password else "",
            password=password,
            encryption=plan.encryption or rq.ZIP_AES256,
            export_format=plan.export_format,
        )
        # The device encrypts a ZIP afresh (new salt) for every request, so a resumed ZIP would splice
        # two different files: an encrypted download always starts over (the stream says offset 0).
        ask = 0 if password else offset
        async with self._funnel.download(request, offset=ask) as body:
            await self._check_body(body, encrypted=bool(password), cgi=request.cgi)
            yield body

    async def _check_body(self, body: BodyStream, *, encrypted: bool, cgi: str) -> None:
        """Errors come as HTTP 200 with XML instead of the file: turn them into errors here."""
        kind = body.response.headers.get("content-type", "").split(";")[0].strip().lower()
        # The file is video/* or application/zip; XML or text in its place is the device's error
        # (a GeneralError at HTTP 200, whatever Content-Type the firmware puts on it).
        if "xml" in kind or kind.startswith("text/"):
            data = bytearray()
            async for chunk in body.response.aiter_bytes():
                data.extend(chunk)
                if len(data) > MAX_ERROR_BODY:
                    break
            reply = wire.general_error(bytes(data))
            if reply is not None:
                raise vendor_error(reply.code, reply.description, cgi, self.config.url)
            raise ProtocolError(
                f"The Axis device at {self.config.url} answered the export with XML instead of the video.",
                detail=f"{cgi}: {bytes(data[:300])!r}",
            )
        if encrypted and kind.startswith("video/"):
            raise ProtocolError(
                f"The Axis device at {self.config.url} sent the video unencrypted although a ZIP password "
                "was given; it was not saved. Check that the device supports encrypted export (AXIS OS "
                "with Export recording API 1.2).",
                detail=f"{cgi}: Content-Type {kind}",
            )

    async def finish(self, handle: ExportHandle) -> str:
        """Nothing to release: the device keeps no export job, only the recording (forget the password)."""
        self._forget(handle)
        return "Nothing to release on the Axis device: it keeps no copy of an export, only the recording."

    async def cancel(self, handle: ExportHandle) -> None:
        """Nothing runs on the device between requests, so there is nothing to stop (forget the password)."""
        self._forget(handle)

    def _forget(self, handle: ExportHandle) -> None:
        key = handle.data.get("key")
        if isinstance(key, str):
            self._passwords.pop(key, None)

    async def aclose(self) -> None:
        """VAPIX has no session to log out of; drop every password held in memory."""
        self._passwords.clear()
