"""One small request object per VAPIX CGI: a `vendors.request.Request` with its own `decode`.

Every class is sent by `Funnel.call` under the AxisPolicy (auth.py): the device's strongest challenge
is answered by the httpx.Auth it carries. A GeneralError body (HTTP 200) becomes a VendorError with
the device's code and text in `decode`, so every caller sees the same error.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Self

import httpx

from vms_desk.core.options import JsonValue
from vms_desk.core.times import to_axis
from vms_desk.vendors.axis import wire
from vms_desk.vendors.axis.errors import vendor_error
from vms_desk.vendors.request import Params, Reply, Request

# The Export recording API's major schema version vms_desk speaks (the device answers 1.0..1.2).
SCHEMA_VERSION = "1"
MATROSKA = "matroska"
ZIP_AES256 = "zip-aes256"
EXAMPLE_RECORDING = "20141211_091153_025B_00408CCAD5D78"  # the recording of the vendor's examples
EXAMPLE_TIME = datetime(2014, 12, 11, 9, 45, 11, tzinfo=UTC)


def device_at(reply: Reply) -> str:
    """The device's address as messages name it (scheme://host:port)."""
    if not reply.url:
        return "the Axis device"
    url = httpx.URL(reply.url)
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


class ApiRequest[R](Request[R]):
    """A VAPIX CGI call: `route` and `query()` say what is sent, `decode_body` reads a 2xx body."""

    route: ClassVar[str]
    cgi: ClassVar[str]  # the CGI's short name, for messages and logs

    @property
    def path(self) -> str:
        """The CGI's path."""
        return self.route

    def query(self) -> dict[str, str]:
        """Query parameters by name."""
        return {}

    def params(self) -> Params:
        """The query as pairs, in order."""
        return list(self.query().items())

    def json_body(self) -> JsonValue:
        """A JSON body, or None."""
        return None

    def decode(self, reply: Reply) -> R:
        """The decoded reply; a GeneralError body is a VendorError with the device's code and text."""
        try:
            return self.decode_body(reply.content)
        except wire.GeneralErrorReply as error:
            raise vendor_error(error.code, error.description, self.cgi, device_at(reply)) from error

    @abstractmethod
    def decode_body(self, data: bytes) -> R:
        """The decoded body (raises wire.GeneralErrorReply for an error body)."""


@dataclass(frozen=True)
class BasicDeviceInfo(ApiRequest[wire.DeviceInfo]):
    """POST basicdeviceinfo.cgi getAllProperties (AXIS OS 9.x and later)."""

    method: ClassVar[str] = "POST"
    route: ClassVar[str] = "/axis-cgi/basicdeviceinfo.cgi"
    cgi: ClassVar[str] = "basicdeviceinfo.cgi"

    def json_body(self) -> JsonValue:
        """The JSON-RPC-like body the API expects."""
        return {"apiVersion": "1.0", "context": "vms_desk", "method": "getAllProperties"}

    def decode_body(self, data: bytes) -> wire.DeviceInfo:
        """Name, serial number and firmware version."""
        return wire.decode_device_info(data)

    @classmethod
    def example(cls) -> Self:
        """An instance from the vendor's examples."""
        return cls()


@dataclass(frozen=True)
class ParamList(ApiRequest[dict[str, str]]):
    """GET param.cgi?action=list&group=...: parameters as `root.X.Y` -> value."""

    groups: tuple[str, ...]
    route: ClassVar[str] = "/axis-cgi/param.cgi"
    cgi: ClassVar[str] = "param.cgi"

    def query(self) -> dict[str, str]:
        """action=list and the comma-separated groups."""
        return {"action": "list", "group": ",".join(self.groups)}

    def decode_body(self, data: bytes) -> dict[str, str]:
        """The name=value lines."""
        return wire.decode_params(data)

    @classmethod
    def example(cls) -> Self:
        """An instance from the vendor's examples."""
        return cls(("root.Brand",))


@dataclass(frozen=True)
class DiskList(ApiRequest[tuple[wire.Disk, ...]]):
    """GET disks/list.cgi?diskid=all."""

    route: ClassVar[str] = "/axis-cgi/disks/list.cgi"
    cgi: ClassVar[str] = "disks/list.cgi"

    def query(self) -> dict[str, str]:
        """Every disk."""
        return {"diskid": "all"}

    def decode_body(self, data: bytes) -> tuple[wire.Disk, ...]:
        """The disks."""
        return wire.decode_disks(data)

    @classmethod
    def example(cls) -> Self:
        """An instance from the vendor's examples."""
        return cls()


@dataclass(frozen=True)
class RecordingListRequest(ApiRequest[wire.RecordingList]):
    """GET record/list.cgi: recordings with any part inside [start, stop], oldest first."""

    start: datetime
    stop: datetime
    first: int = 0  # startatresultnumber, for the next page of a long list
    route: ClassVar[str] = "/axis-cgi/record/list.cgi"
    cgi: ClassVar[str] = "record/list.cgi"

    def query(self) -> dict[str, str]:
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

    def decode_body(self, data: bytes) -> wire.RecordingList:
        """One page of recordings."""
        return wire.decode_recordings(data)

    @classmethod
    def example(cls) -> Self:
        """An instance from the vendor's examples."""
        return cls(EXAMPLE_TIME, EXAMPLE_TIME)


@dataclass(frozen=True)
class SchemaVersions(ApiRequest[tuple[str, ...]]):
    """GET record/export/schemaversions.cgi."""

    route: ClassVar[str] = "/axis-cgi/record/export/schemaversions.cgi"
    cgi: ClassVar[str] = "schemaversions.cgi"

    def decode_body(self, data: bytes) -> tuple[str, ...]:
        """Version numbers such as 1.2."""
        return wire.decode_schema_versions(data)

    @classmethod
    def example(cls) -> Self:
        """An instance from the vendor's examples."""
        return cls()


@dataclass(frozen=True)
class ExportCapabilitiesRequest(ApiRequest[wire.ExportCapabilities]):
    """GET record/export/capabilities.cgi?schemaversion=1."""

    route: ClassVar[str] = "/axis-cgi/record/export/capabilities.cgi"
    cgi: ClassVar[str] = "capabilities.cgi"

    def query(self) -> dict[str, str]:
        """The schema version."""
        return {"schemaversion": SCHEMA_VERSION}

    def decode_body(self, data: bytes) -> wire.ExportCapabilities:
        """Formats and encryptions."""
        return wire.decode_capabilities(data)

    @classmethod
    def example(cls) -> Self:
        """An instance from the vendor's examples."""
        return cls()


@dataclass(frozen=True)
class ExportPropertiesRequest(ApiRequest[wire.ExportProperties]):
    """GET record/export/properties.cgi for part of a recording: gives the key-frame start."""

    recordingid: str
    diskid: str
    start: datetime
    stop: datetime
    encryption: str = ""
    export_format: str = MATROSKA  # the device's own name, from capabilities.cgi
    route: ClassVar[str] = "/axis-cgi/record/export/properties.cgi"
    cgi: ClassVar[str] = "properties.cgi"

    def query(self) -> dict[str, str]:
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

    def decode_body(self, data: bytes) -> wire.ExportProperties:
        """The export properties."""
        return wire.decode_properties(data)

    @classmethod
    def example(cls) -> Self:
        """An instance from the vendor's examples."""
        return cls(EXAMPLE_RECORDING, "SD_DISK", EXAMPLE_TIME, EXAMPLE_TIME)


@dataclass(frozen=True, repr=False)
class ExportRecording(ApiRequest[None]):
    """GET record/export/exportrecording.cgi: the file itself (streamed by `Funnel.download`).

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
    route: ClassVar[str] = "/axis-cgi/record/export/exportrecording.cgi"
    cgi: ClassVar[str] = "exportrecording.cgi"

    def __repr__(self) -> str:
        return f"ExportRecording({self.recordingid!r}, {self.diskid!r}, {self.start}, {self.stop})"

    def query(self) -> dict[str, str]:
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

    reads_body: ClassVar[bool] = False

    def decode_body(self, data: bytes) -> None:
        """Nothing: the body is the file, read as a stream (an error body is checked by the client)."""

    @classmethod
    def example(cls) -> Self:
        """The vendor's "export part of a recording" example."""
        return cls(EXAMPLE_RECORDING, "SD_DISK", EXAMPLE_TIME, EXAMPLE_TIME)
