"""One small request object per VDG Sense command: a `vendors.request.Request` with its own `decode`.

Commands go to `/command?command=NAME&...` with an XML body where they have one. `decode` checks the
`<result errorcode>` (a negative code is a VendorError with the server's description and code) and
reads the rest into the command's result. Sent by the client's `command` through `Funnel.exchange`
under the VdgSession policy (session.py).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Self

from lxml import etree

from vms_desk.core.models import Camera
from vms_desk.core.times import to_vdg
from vms_desk.vendors.request import Params, Reply, Request
from vms_desk.vendors.vdg_sense.wire import (
    ExportEntry,
    check_result,
    parse_devices,
    parse_export_id,
    parse_exports,
    parse_info,
)

COMMAND_PATH = "/command"
INFO_PATH = "/info"  # no auth; API >= 2.6.1
EVERY_STATUS = frozenset(range(400, 600))
EXAMPLE_SERVER = "6F1D0C2A-6B8E-4C53-9D0B-2C1E5A7B0001"
EXAMPLE_DEVICE = "D3A1B2C4-0000-4000-8000-000000000001"
EXAMPLE_TIME = datetime(2024, 1, 19, 8, 0, tzinfo=UTC)


class VdgCommand[R](Request[R]):
    """`/command?command=NAME&...`: `query` after the command name, `body` for POSTs, `read` the result."""

    command: ClassVar[str]
    # The client reads every status itself (a 401 names the login tried), then calls `decode`.
    accepts: ClassVar[frozenset[int]] = EVERY_STATUS

    @property
    def path(self) -> str:
        """Every command goes to /command."""
        return COMMAND_PATH

    def query(self) -> Params:
        """Query parameters after `command=`."""
        return []

    def params(self) -> Params:
        """command=NAME, then the command's own parameters."""
        return [("command", self.command), *self.query()]

    def body(self) -> bytes | None:
        """The XML body, or None."""
        return None

    def content(self) -> bytes | None:
        """The XML body, or None (the Request base's name for it)."""
        return self.body()

    def headers(self) -> dict[str, str]:
        """The XML content type when there is a body."""
        return {"Content-Type": "text/xml; charset=utf-8"} if self.body() is not None else {}

    @property
    def folder(self) -> str:
        """The server folder a refusal's sentence names ("" when the command has none)."""
        return ""

    def decode(self, reply: Reply) -> R:
        """The `<result>`'s content; a negative errorcode is a VendorError with the server's words."""
        return self.read(check_result(reply.content, command=self.command, path=self.folder))

    @abstractmethod
    def read(self, root: etree._Element) -> R:
        """The command's result from a successful `<result>`."""


@dataclass(frozen=True)
class GetDeviceList(VdgCommand[list[Camera]]):
    """`getDeviceList`: every device with its server id and device id."""

    method: ClassVar[str] = "GET"
    command: ClassVar[str] = "getDeviceList"

    def read(self, root: etree._Element) -> list[Camera]:
        """The cameras, id `<serverid>/<deviceid>`."""
        return parse_devices(root)

    @classmethod
    def example(cls) -> Self:
        """The only form."""
        return cls()


@dataclass(frozen=True)
class ExportVideo(VdgCommand[str]):
    """`exportVideo` (POST): export one device's span into a folder on the server; the export id."""

    method: ClassVar[str] = "POST"
    command: ClassVar[str] = "exportVideo"
    serverid: str
    deviceid: str
    start: datetime
    end: datetime
    target: str  # the folder on the server (the document's `path`)
    bandwidth: int = 0  # bytes per second; 0 = as fast as possible

    @property
    def folder(self) -> str:
        """The server folder, for the sentences of -58, -60 and -61."""
        return self.target

    def body(self) -> bytes | None:
        """The documented XML document, built with lxml so every value is escaped."""
        root = etree.Element("export")
        device = etree.SubElement(etree.SubElement(root, "devices"), "device")
        for tag, value in (
            ("serverid", self.serverid),
            ("deviceid", self.deviceid),
            ("starttime", to_vdg(self.start)),
            ("endtime", to_vdg(self.end)),
        ):
            etree.SubElement(device, tag).text = value
        etree.SubElement(root, "path").text = self.target
        etree.SubElement(root, "bandwidth").text = str(self.bandwidth)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def read(self, root: etree._Element) -> str:
        """The new export's id."""
        return parse_export_id(root)

    @classmethod
    def example(cls) -> Self:
        """One device, five minutes, into D:\\Exports."""
        return cls(EXAMPLE_SERVER, EXAMPLE_DEVICE, EXAMPLE_TIME, EXAMPLE_TIME, "D:\\Exports")


@dataclass(frozen=True)
class DeleteExport(VdgCommand[None]):
    """`exportVideo&exportid=` with DELETE: remove a pending export."""

    method: ClassVar[str] = "DELETE"
    command: ClassVar[str] = "exportVideo"
    export_id: str

    def query(self) -> Params:
        """The export id."""
        return [("exportid", self.export_id)]

    def read(self, root: etree._Element) -> None:
        """Nothing beyond the errorcode."""

    @classmethod
    def example(cls) -> Self:
        """The first id of a session."""
        return cls("1")


@dataclass(frozen=True)
class GetExportVideoStatus(VdgCommand[list[ExportEntry]]):
    """`getExportVideoStatus[&exportid=]`: per-device progress of one export (or all of the session)."""

    method: ClassVar[str] = "GET"
    command: ClassVar[str] = "getExportVideoStatus"
    export_id: str | None = None

    def query(self) -> Params:
        """The export id, when asking about one."""
        return [("exportid", self.export_id)] if self.export_id else []

    def read(self, root: etree._Element) -> list[ExportEntry]:
        """Every export listed."""
        return parse_exports(root)

    @classmethod
    def example(cls) -> Self:
        """The first id of a session."""
        return cls("1")


@dataclass(frozen=True)
class GetInfo(Request[tuple[str, datetime | None] | None]):
    """`GET /info` (no auth): the API version and the server's UTC clock; None before API 2.6.1 (404)."""

    authenticated: ClassVar[bool] = False
    accepts: ClassVar[frozenset[int]] = frozenset({404})
    # Informative only: an unreadable reply gives ("", None) rather than an error.
    reads_body: ClassVar[bool] = False

    @property
    def path(self) -> str:
        """The file the article names."""
        return INFO_PATH

    def decode(self, reply: Reply) -> tuple[str, datetime | None] | None:
        """(version, server clock), each empty/None where unreadable (informative only); None on 404."""
        return None if reply.status == 404 else parse_info(reply.content)

    @classmethod
    def example(cls) -> Self:
        """The only form."""
        return cls()
