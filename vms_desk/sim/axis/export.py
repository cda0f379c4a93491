"""The Export recording API of the simulated device: schema versions, capabilities, properties, export.

Errors are HTTP 200 with an ExportRecordingResponse/GeneralError body, as the device sends them.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

import pyzipper
from starlette.requests import Request
from starlette.responses import Response

from vms_desk.core.errors import ProtocolError
from vms_desk.core.times import from_iso, to_axis
from vms_desk.sim.axis import model
from vms_desk.sim.axis.device import xml
from vms_desk.sim.base import SimState, file_response
from vms_desk.sim.exports import DONE, ExportRegistry, SimExport
from vms_desk.sim.media import render_video

MATROSKA, ZIP_AES = "matroska", "zip-aes256"
KEEP_EXPORTS = 8  # rendered files kept for resumed (Range) downloads; older ones are deleted
MAX_PASSWORD_BYTES = 512
ERRORS = {
    10: "Error while processing the request.",
    20: "Invalid request.",
    40: "Specified version is not supported.",
    110: "Recording not found.",
    120: "Invalid start time.",
    130: "Invalid stop time.",
    140: "Invalid start time. The requested start time is after the stop time.",
    150: "Invalid start time. The requested start time is after the recording's stop time.",
    160: "Invalid stop time. The requested stop time is before the recording's start time.",
    170: "Invalid export format.",
    250: "Invalid encryption format.",
}
HEAD = (
    '<ExportRecordingResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" SchemaVersion="1.2" '
    'xsi:noNamespaceSchemaLocation="http://www.axis.com/vapix/http_cgi/exportrecording1.xsd">'
)


class ExportFault(Exception):
    """A request the device answers with GeneralError `code`."""

    def __init__(self, code: int, text: str = "") -> None:
        super().__init__(text or ERRORS[code])
        self.code = code


def general_error(code: int, text: str = "") -> Response:
    """The documented error body, HTTP 200."""
    description = model.text(text or ERRORS.get(code, "Error."))
    return xml(
        f"{HEAD}<GeneralError><ErrorCode>{code}</ErrorCode>"
        f"<ErrorDescription>{description}</ErrorDescription></GeneralError></ExportRecordingResponse>"
    )


def _schema(params: dict[str, str]) -> None:
    version = params.get("schemaversion", "")
    if not version:
        raise ExportFault(20, "Invalid request. schemaversion is required.")
    if version.split(".")[0] != "1":
        raise ExportFault(40)


def _time(params: dict[str, str], name: str, code: int) -> datetime | None:
    text = params.get(name)
    if not text:
        return None
    try:
        return from_iso(text, "Axis")
    except ProtocolError:
        raise ExportFault(code) from None


@dataclass(frozen=True)
class Part:
    """A checked request for part of a recording: key-frame start, stop, format and encryption."""

    rec: model.SimRecording
    start: datetime
    stop: datetime
    encryption: str
    fmt: str = MATROSKA


def _part(
    state: SimState, params: dict[str, str], *, exporting: bool, formats: tuple[str, ...] = (MATROSKA,)
) -> Part:
    _schema(params)
    ident, disk = params.get("recordingid", ""), params.get("diskid", "")
    if not ident or not disk:
        raise ExportFault(20, "Invalid request. recordingid and diskid are required.")
    fmt = params.get("exportformat", "")
    if exporting and not fmt:
        raise ExportFault(20, "Invalid request. exportformat is required.")
    if fmt and fmt not in formats:
        raise ExportFault(170)
    encryption = params.get("encryptionformat", "")
    if encryption and encryption != ZIP_AES:
        raise ExportFault(250)
    now = datetime.now(UTC)
    rec = model.find(state, now, ident, disk)
    if rec is None:
        raise ExportFault(110)
    start, stop = _time(params, "starttime", 120), _time(params, "stoptime", 130)
    end = rec.end(now)
    if start is not None and stop is not None and start > stop:
        raise ExportFault(140)
    if start is not None and start >= end:
        raise ExportFault(150)
    if stop is not None and stop <= rec.start:
        raise ExportFault(160)
    first = rec.keyframe_at_or_before(max(start or rec.start, rec.start))
    return Part(rec, first, min(stop or end, end), encryption, fmt or MATROSKA)


def _estimated_kb(part: Part) -> int:
    return math.ceil((part.stop - part.start).total_seconds() * model.KB_PER_SECOND)


def default_name(start: datetime, stop: datetime) -> str:
    """YYYYMMDD_HHMMSS_YYYYMMDD_HHMMSS, the documented default file name (without extension)."""
    return f"{start:%Y%m%d_%H%M%S}_{stop:%Y%m%d_%H%M%S}"


def _clean_filename(name: str) -> str:
    """The last path part of a client-given name, with any extension the device adds removed."""
    base = PureWindowsPath(PurePosixPath(name).name).name.strip()
    for suffix in (".mkv", ".mp4", ".zip"):
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
    return base if base.strip(". ") else ""


def _produce(export: SimExport) -> list[Path]:
    """Render the clip (and wrap it in an AES-256 ZIP when a password was given)."""
    mkv_name = export.options["mkv_name"]
    clip = export.folder / mkv_name
    render_video(
        clip,
        camera_name=export.camera.name,
        start=export.start,
        end=export.end,
        container="mp4" if mkv_name.endswith(".mp4") else "mkv",
        width=model.WIDTH,
        height=model.HEIGHT,
        fps=model.FPS,
    )
    password: str = export.options.get("password", "")
    if not password:
        return [clip]
    archive = export.folder / export.options["zip_name"]
    with pyzipper.AESZipFile(archive, "w", compression=pyzipper.ZIP_STORED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password.encode())
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.write(clip, arcname=mkv_name)
    clip.unlink()
    return [archive]


class ExportApi:
    """The four CGIs of the Export recording API over one ExportRegistry."""

    def __init__(self, state: SimState, formats: tuple[str, ...] = (MATROSKA,)) -> None:
        self.state = state
        self.formats = formats
        self.registry = ExportRegistry(state, _produce, ERRORS[10])
        self._by_request: dict[tuple[str, ...], str] = {}
        self._lock = asyncio.Lock()

    async def schemaversions(self, request: Request) -> Response:
        """record/export/schemaversions.cgi: versions 1.0 to 1.2."""
        versions = "".join(
            f"<SchemaVersion><VersionNumber>1.{n}</VersionNumber><Deprecated>false</Deprecated></SchemaVersion>"
            for n in range(3)
        )
        body = f"<SchemaVersionsSuccess>{versions}</SchemaVersionsSuccess>"
        return xml(f"{HEAD}{body}</ExportRecordingResponse>")

    async def capabilities(self, request: Request) -> Response:
        """record/export/capabilities.cgi?schemaversion=1: Matroska, optionally in an AES-256 ZIP."""
        try:
            _schema(dict(request.query_params))
        except ExportFault as fault:
            return general_error(fault.code, str(fault))
        listed = "".join(
            f'<ExportCapabilities ExportFormat="{fmt}"><ExportEncryption EncryptionFormat="{ZIP_AES}"/>'
            "</ExportCapabilities>"
            for fmt in self.formats
        )
        return xml(f"{HEAD}<CapabilitiesSuccess>{listed}</CapabilitiesSuccess></ExportRecordingResponse>")

    async def properties(self, request: Request) -> Response:
        """record/export/properties.cgi: the key-frame start, stop and estimated size of a part."""
        params = dict(request.query_params)
        try:
            part = _part(self.state, params, exporting=False, formats=self.formats)
        except ExportFault as fault:
            return general_error(fault.code, str(fault))
        encryption = f' EncryptionFormat="{part.encryption}"' if part.encryption else ""
        return xml(
            f'{HEAD}<PropertiesSuccess><ExportProperties RecordingId="{part.rec.recordingid}" '
            f'ExportFormat="{part.fmt}"{encryption} EstimatedFileSize="{_estimated_kb(part)}" '
            f'Starttime="{to_axis(part.start)}" Stoptime="{to_axis(part.stop)}"/></PropertiesSuccess>'
            "</ExportRecordingResponse>"
        )

    async def export(self, request: Request) -> Response:
        """record/export/exportrecording.cgi: the file itself (MKV, or an AES-256 ZIP with a password)."""
        params = dict(request.query_params)
        try:
            part = _part(self.state, params, exporting=True, formats=self.formats)
            password = params.get("password", "")
            if password and not part.encryption:
                raise ExportFault(20, "Invalid request. encryptionformat is required with a password.")
            if part.encryption and not password:
                raise ExportFault(20, "Invalid request. A password must be set to use encryptionformat.")
            if len(password.encode()) > MAX_PASSWORD_BYTES:
                raise ExportFault(20, "Invalid request. The password is longer than 512 bytes.")
        except ExportFault as fault:
            return general_error(fault.code, str(fault))
        given = _clean_filename(params.get("filename", ""))
        stem = given or default_name(part.start, part.stop)
        zip_stem = given or "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        ext = "mp4" if part.fmt == "mp4" else "mkv"
        names = {"mkv_name": f"{stem}.{ext}", "zip_name": f"{zip_stem}.zip", "password": password}
        key = (part.rec.recordingid, to_axis(part.start), to_axis(part.stop), password, given, part.fmt)
        export = await self._render(request, part, names, key)
        if export is None or export.state != DONE or not export.files:
            return general_error(10)
        path = export.files[0]
        media_type = "application/zip" if password else "video/mp4" if ext == "mp4" else "video/x-matroska"
        return file_response(request, path, media_type=media_type, filename=path.name, state=self.state)

    async def _render(
        self, request: Request, part: Part, names: dict[str, str], key: tuple[str, ...]
    ) -> SimExport | None:
        # A resumed download (Range) gets the very file it started on; an encrypted ZIP differs on
        # every render (random salt), so rendering again would corrupt the resumed file.
        async with self._lock:
            known = self.registry.get(self._by_request.get(key, ""))
            if request.headers.get("range") and known is not None and known.state == DONE:
                return known
            export = self.registry.create(part.rec.camera, part.start, part.stop, "mkv", names)
            self._by_request[key] = export.id
            for old in list(self.registry.exports)[:-KEEP_EXPORTS]:
                self.registry.delete(old)
        if export.task is not None:
            # wait() neither raises nor cancels the render when this request goes away.
            await asyncio.wait({export.task})
        return export
