"""One small request object per VAPIX CGI: method, path, parameters and how the reply is decoded."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypeVar

from vms_desk.core.options import JsonValue
from vms_desk.core.times import to_axis
from vms_desk.vendors.axis import wire

R = TypeVar("R")

# The Export recording API's major schema version vms_desk speaks (the device answers 1.0..1.2).
SCHEMA_VERSION = "1"
MATROSKA = "matroska"
ZIP_AES256 = "zip-aes256"


class ApiRequest[R](ABC):
    """A request the client's `call` funnel sends; `decode` turns the reply body into `R`."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str]
    cgi: ClassVar[str]  # the CGI's short name, for messages and logs

    def params(self) -> dict[str, str]:
        """Query parameters."""
        return {}

    def json_body(self) -> JsonValue:
        """A JSON body, or None."""
        return None

    @abstractmethod
    def decode(self, data: bytes) -> R:
        """The decoded reply (raises wire.GeneralErrorReply for an error body)."""


@dataclass(frozen=True)
class BasicDeviceInfo(ApiRequest[wire.DeviceInfo]):
    """POST basicdeviceinfo.cgi getAllProperties (AXIS OS 9.x and later)."""

    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/axis-cgi/basicdeviceinfo.cgi"
    cgi: ClassVar[str] = "basicdeviceinfo.cgi"

    def json_body(self) -> JsonValue:
        """The JSON-RPC-like body the API expects."""
        return {"apiVersion": "1.0", "context": "vms_desk", "method": "getAllProperties"}

    def decode(self, data: bytes) -> wire.DeviceInfo:
        """Name, serial number and firmware version."""
        return wire.decode_device_info(data)


@dataclass(frozen=True)
class ParamList(ApiRequest[dict[str, str]]):
    """GET param.cgi?action=list&group=...: parameters as `root.X.Y` -> value."""

    groups: tuple[str, ...]
    path: ClassVar[str] = "/axis-cgi/param.cgi"
    cgi: ClassVar[str] = "param.cgi"

    def params(self) -> dict[str, str]:
        """action=list and the comma-separated groups."""
        return {"action": "list", "group": ",".join(self.groups)}

    def decode(self, data: bytes) -> dict[str, str]:
        """The name=value lines."""
        return wire.decode_params(data)


@dataclass(frozen=True)
class DiskList(ApiRequest[tuple[wire.Disk, ...]]):
    """GET disks/list.cgi?diskid=all."""

    path: ClassVar[str] = "/axis-cgi/disks/list.cgi"
    cgi: ClassVar[str] = "disks/list.cgi"

    def params(self) -> dict[str, str]:
        """Every disk."""
        return {"diskid": "all"}

    def decode(self, data: bytes) -> tuple[wire.Disk, ...]:
        """The disks."""
        return wire.decode_disks(data)


@dataclass(frozen=True)
class RecordingListRequest(ApiRequest[wire.RecordingList]):
    """GET record/list.cgi: recordings with any part inside [start, stop], oldest first."""

    start: datetime
    stop: datetime
    first: int = 0  # startatresultnumber, for the next page of a long list
    path: ClassVar[str] = "/axis-cgi/record/list.cgi"
    cgi: ClassVar[str] = "record/list.cgi"

    def params(self) -> dict[str, str]:
        """listentity=recording with the span; no `source` (filtered by the client: a choice, see client)."""
        params = {
            "listentity": "recording",
            "starttime": to_axis(self.start),
            "stoptime": to_axis(self.stop),
            "sortorder": "ascending",
        }
        if self.first:
            params["startatresultnumber"] = str(self.first)
        return params

    def decode(self, data: bytes) -> wire.RecordingList:
        """One page of recordings."""
        return wire.decode_recordings(data)


@dataclass(frozen=True)
class SchemaVersions(ApiRequest[tuple[str, ...]]):
    """GET record/export/schemaversions.cgi."""

    path: ClassVar[str] = "/axis-cgi/record/export/schemaversions.cgi"
    cgi: ClassVar[str] = "schemaversions.cgi"

    def decode(self, data: bytes) -> tuple[str, ...]:
        """Version numbers such as 1.2."""
        return wire.decode_schema_versions(data)


@dataclass(frozen=True)
class ExportCapabilitiesRequest(ApiRequest[wire.ExportCapabilities]):
    """GET record/export/capabilities.cgi?schemaversion=1."""

    path: ClassVar[str] = "/axis-cgi/record/export/capabilities.cgi"
    cgi: ClassVar[str] = "capabilities.cgi"

    def params(self) -> dict[str, str]:
        """The schema version."""
        return {"schemaversion": SCHEMA_VERSION}

    def decode(self, data: bytes) -> wire.ExportCapabilities:
        """Formats and encryptions."""
        return wire.decode_capabilities(data)


@dataclass(frozen=True)
class ExportPropertiesRequest(ApiRequest[wire.ExportProperties]):
    """GET record/export/properties.cgi for part of a recording: gives the key-frame start."""

    recordingid: str
    diskid: str
    start: datetime
    stop: datetime
    encryption: str = ""
    export_format: str = MATROSKA  # the device's own name, from capabilities.cgi
    path: ClassVar[str] = "/axis-cgi/record/export/properties.cgi"
    cgi: ClassVar[str] = "properties.cgi"

    def params(self) -> dict[str, str]:
        """The recording, the span and the export format (and encryption, when asked)."""
        params = {
            "schemaversion": SCHEMA_VERSION,
            "recordingid": self.recordingid,
            "diskid": self.diskid,
            "starttime": to_axis(self.start),
            "stoptime": to_axis(self.stop),
            "exportformat": self.export_format,
        }
        if self.encryption:
            params["encryptionformat"] = self.encryption
        return params

    def decode(self, data: bytes) -> wire.ExportProperties:
        """The export properties."""
        return wire.decode_properties(data)


@dataclass(frozen=True, repr=False)
class ExportRecording:
    """GET record/export/exportrecording.cgi: the file itself (streamed, so it has no `decode`).

    `password` is a secret: this object is never logged or stored, and its repr hides it.
    """

    recordingid: str
    diskid: str
    start: datetime
    stop: datetime
    filename: str = ""
    password: str = ""
    encryption: str = ZIP_AES256
    export_format: str = MATROSKA  # the device's own name, from capabilities.cgi
    path: ClassVar[str] = "/axis-cgi/record/export/exportrecording.cgi"
    cgi: ClassVar[str] = "exportrecording.cgi"

    def __repr__(self) -> str:
        return f"ExportRecording({self.recordingid!r}, {self.diskid!r}, {self.start}, {self.stop})"

    def params(self) -> dict[str, str]:
        """Recording, disk, format, the key-frame start and stop; password and encryption for a ZIP."""
        params = {
            "schemaversion": SCHEMA_VERSION,
            "recordingid": self.recordingid,
            "diskid": self.diskid,
            "exportformat": self.export_format,
            "starttime": to_axis(self.start),
            "stoptime": to_axis(self.stop),
        }
        if self.filename:
            params["filename"] = self.filename
        if self.password:
            params["password"] = self.password
            params["encryptionformat"] = self.encryption
        return params
