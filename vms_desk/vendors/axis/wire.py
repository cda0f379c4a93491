"""Axis wire models: every VAPIX reply is decoded here, and only here, into frozen models.

XML goes through the hardened `parse_xml`; a GeneralError body raises `GeneralErrorReply`, which the
client's funnel turns into a VendorError. Names are matched case-insensitively and without namespaces.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict

from vms_desk.core.errors import ProtocolError
from vms_desk.core.times import from_iso
from vms_desk.vendors._xml import attr, child_text, children, local_name, parse_xml

VENDOR = "Axis"


class GeneralErrorReply(Exception):
    """The device answered with a GeneralError (HTTP 200): code and description verbatim."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"GeneralError {code}: {description}")
        self.code = code
        self.description = description


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeviceInfo(_Wire):
    """What the device says about itself (basicdeviceinfo.cgi or param.cgi)."""

    name: str
    serial: str = ""
    version: str = ""


class Disk(_Wire):
    """One disk from disks/list.cgi; sizes in kB as the device reports them."""

    diskid: str
    name: str = ""
    total_kb: int | None = None
    free_kb: int | None = None
    status: str = ""
    full: bool = False


class Recording(_Wire):
    """One recording from record/list.cgi; `stop` is None while it is still recording."""

    recordingid: str
    diskid: str
    start: datetime
    stop: datetime | None
    status: str = ""
    source: str = ""


class RecordingList(_Wire):
    """A page of record/list.cgi: `matched` counts every match, not only this page."""

    recordings: tuple[Recording, ...]
    matched: int


class ExportProperties(_Wire):
    """properties.cgi: `start` is the key frame at or before the start asked for."""

    recordingid: str
    export_format: str
    encryption_format: str = ""
    estimated_kb: int | None = None
    start: datetime
    stop: datetime


class ExportCapabilities(_Wire):
    """capabilities.cgi: export formats and, per the whole device, encryption formats."""

    formats: tuple[str, ...]
    encryptions: tuple[str, ...] = ()


def _xml(data: bytes) -> etree._Element:
    """Parse a reply; a GeneralError anywhere directly under the root raises GeneralErrorReply."""
    root = parse_xml(data, VENDOR)
    for element in (root, *root):
        if local_name(element) == "generalerror":
            raise GeneralErrorReply(child_text(element, "ErrorCode"), child_text(element, "ErrorDescription"))
        # getjobstatus nests the error one level deeper (…Success/GeneralError).
        for inner in children(element, "GeneralError"):
            raise GeneralErrorReply(child_text(inner, "ErrorCode"), child_text(inner, "ErrorDescription"))
    return root


def general_error(data: bytes) -> GeneralErrorReply | None:
    """The GeneralError in an XML body, or None when there is none."""
    try:
        _xml(data)
    except GeneralErrorReply as reply:
        return reply
    return None


def _find(root: etree._Element, name: str) -> list[etree._Element]:
    wanted = name.lower()
    return [e for e in root.iter() if local_name(e) == wanted]


def _one(root: etree._Element, name: str, what: str) -> etree._Element:
    found = _find(root, name)
    if not found:
        raise ProtocolError(
            f"The Axis device's {what} reply is missing its {name} element.", detail=f"no <{name}>"
        )
    return found[0]


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _time(text: str, what: str) -> datetime:
    if not text.strip():
        raise ProtocolError(f"The Axis device's {what} reply has an empty time.", detail=f"empty {what}")
    return from_iso(text, VENDOR)


def decode_device_info(data: bytes) -> DeviceInfo:
    """basicdeviceinfo.cgi getAllProperties (JSON); a JSON error becomes GeneralErrorReply."""
    try:
        body: Any = json.loads(data)
    except ValueError as exc:
        raise ProtocolError("The Axis device sent device information that is not JSON.") from exc
    if not isinstance(body, dict):
        raise ProtocolError("The Axis device sent device information vms_desk cannot read.")
    if isinstance(error := body.get("error"), dict):
        raise GeneralErrorReply(str(error.get("code", "")), str(error.get("message", "")))
    data_part = body.get("data")
    props = data_part.get("propertyList") if isinstance(data_part, dict) else None
    if not isinstance(props, dict):
        raise ProtocolError("The Axis device's device information has no property list.")
    name = str(
        props.get("ProdFullName") or props.get("ProdShortName") or props.get("ProdNbr") or "Axis device"
    )
    return DeviceInfo(
        name=name, serial=str(props.get("SerialNumber", "")), version=str(props.get("Version", ""))
    )


def decode_params(data: bytes) -> dict[str, str]:
    """param.cgi action=list: `root.A.B=value` lines; a `# Error:` line raises GeneralErrorReply.

    Any other non-empty line means the reply is not param.cgi's (an HTML page, a proxy's error).
    """
    text = data.decode("utf-8", errors="replace")
    params: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            raise GeneralErrorReply("param", line.lstrip("# ").strip())
        key, sep, value = line.partition("=")
        if sep and key.strip().startswith("root."):
            params[key.strip()] = value.strip()
        elif line.strip():
            raise ProtocolError(
                "The Axis device sent a parameter list vms_desk cannot read.",
                detail=f"param.cgi: {line[:120]!r}",
            )
    return params


def device_info_from_params(params: dict[str, str]) -> DeviceInfo:
    """DeviceInfo from root.Brand and root.Properties parameters (firmware without basicdeviceinfo)."""
    name = params.get("root.Brand.ProdFullName") or params.get("root.Brand.ProdNbr") or "Axis device"
    return DeviceInfo(
        name=name,
        serial=params.get("root.Properties.System.SerialNumber", ""),
        version=params.get("root.Properties.Firmware.Version", ""),
    )


def source_names(params: dict[str, str]) -> dict[int, str]:
    """Video source number (1-based) -> name, from root.ImageSource (I0 is source 1: a choice)."""
    count = _int(params.get("root.ImageSource.NbrOfSources", "")) or 0
    names = {n + 1: params.get(f"root.ImageSource.I{n}.Name", "") for n in range(count)}
    for key, value in params.items():
        prefix, _, rest = key.partition("root.ImageSource.I")
        number, _, leaf = rest.partition(".")
        if not prefix and leaf == "Name" and number.isdigit():
            names.setdefault(int(number) + 1, value)
    return names


def decode_disks(data: bytes) -> tuple[Disk, ...]:
    """disks/list.cgi (booleans mix yes/no and true/false)."""
    root = _xml(data)
    _one(root, "disks", "disk list")
    return tuple(
        Disk(
            diskid=attr(d, "diskid"),
            name=attr(d, "name"),
            total_kb=_int(attr(d, "totalsize")),
            free_kb=_int(attr(d, "freesize")),
            status=attr(d, "status"),
            full=attr(d, "full").lower() in ("yes", "true"),
        )
        for d in _find(root, "disk")
    )


def decode_recordings(data: bytes) -> RecordingList:
    """record/list.cgi listentity=recording; an empty stoptime means still recording."""
    root = _xml(data)
    container = _one(root, "recordings", "recording list")
    found: list[Recording] = []
    for element in children(container, "recording"):
        stop_text = attr(element, "stoptime")
        video = children(element, "video")
        source = attr(element, "source") or (attr(video[0], "source") if video else "")
        found.append(
            Recording(
                recordingid=attr(element, "recordingid"),
                diskid=attr(element, "diskid"),
                start=_time(attr(element, "starttime"), "recording list"),
                stop=from_iso(stop_text, VENDOR) if stop_text.strip() else None,
                status=attr(element, "recordingstatus"),
                source=source.strip(),
            )
        )
    matched = _int(attr(container, "numberofrecordings"))
    return RecordingList(recordings=tuple(found), matched=len(found) if matched is None else matched)


def decode_properties(data: bytes) -> ExportProperties:
    """record/export/properties.cgi PropertiesSuccess/ExportProperties."""
    props = _one(_xml(data), "ExportProperties", "export properties")
    return ExportProperties(
        recordingid=attr(props, "RecordingId"),
        export_format=attr(props, "ExportFormat"),
        encryption_format=attr(props, "EncryptionFormat"),
        estimated_kb=_int(attr(props, "EstimatedFileSize")),
        start=_time(attr(props, "Starttime"), "export properties"),
        stop=_time(attr(props, "Stoptime"), "export properties"),
    )


def decode_capabilities(data: bytes) -> ExportCapabilities:
    """record/export/capabilities.cgi: ExportCapabilities elements, ExportEncryption inside them."""
    root = _xml(data)
    _one(root, "CapabilitiesSuccess", "export capabilities")
    formats = tuple(f for e in _find(root, "ExportCapabilities") if (f := attr(e, "ExportFormat")))
    encryptions = tuple(
        dict.fromkeys(f for e in _find(root, "ExportEncryption") if (f := attr(e, "EncryptionFormat")))
    )
    return ExportCapabilities(formats=formats, encryptions=encryptions)


def decode_schema_versions(data: bytes) -> tuple[str, ...]:
    """record/export/schemaversions.cgi: the version numbers, e.g. ("1.0", "1.1", "1.2")."""
    root = _xml(data)
    _one(root, "SchemaVersionsSuccess", "schema versions")
    return tuple(t for e in _find(root, "SchemaVersion") if (t := child_text(e, "VersionNumber")))
