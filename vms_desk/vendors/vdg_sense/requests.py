"""One small request object per VDG Sense command: `/command?command=NAME&...`, body where it has one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from lxml import etree

from vms_desk.core.times import to_vdg

COMMAND_PATH = "/command"
INFO_PATH = "/info"  # no auth; API >= 2.6.1


class VdgCommand(Protocol):
    """What the client's one `command` funnel needs from a request."""

    method: ClassVar[str]
    command: ClassVar[str]

    def params(self) -> list[tuple[str, str]]:
        """Query parameters after `command=`."""
        ...

    def body(self) -> bytes | None:
        """The XML body, or None."""
        ...


@dataclass(frozen=True)
class GetDeviceList:
    """`getDeviceList`: every device with its server id and device id."""

    method: ClassVar[str] = "GET"
    command: ClassVar[str] = "getDeviceList"

    def params(self) -> list[tuple[str, str]]:
        """None."""
        return []

    def body(self) -> bytes | None:
        """None."""
        return None


@dataclass(frozen=True)
class ExportVideo:
    """`exportVideo` (POST): export one device's span into a folder on the server."""

    method: ClassVar[str] = "POST"
    command: ClassVar[str] = "exportVideo"
    serverid: str
    deviceid: str
    start: datetime
    end: datetime
    path: str
    bandwidth: int = 0  # bytes per second; 0 = as fast as possible

    def params(self) -> list[tuple[str, str]]:
        """None: everything is in the body."""
        return []

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
        etree.SubElement(root, "path").text = self.path
        etree.SubElement(root, "bandwidth").text = str(self.bandwidth)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@dataclass(frozen=True)
class DeleteExport:
    """`exportVideo&exportid=` with DELETE: remove a pending export."""

    method: ClassVar[str] = "DELETE"
    command: ClassVar[str] = "exportVideo"
    export_id: str

    def params(self) -> list[tuple[str, str]]:
        """The export id."""
        return [("exportid", self.export_id)]

    def body(self) -> bytes | None:
        """None."""
        return None


@dataclass(frozen=True)
class GetExportVideoStatus:
    """`getExportVideoStatus[&exportid=]`: per-device progress of one export (or all of the session)."""

    method: ClassVar[str] = "GET"
    command: ClassVar[str] = "getExportVideoStatus"
    export_id: str | None = None

    def params(self) -> list[tuple[str, str]]:
        """The export id, when asking about one."""
        return [("exportid", self.export_id)] if self.export_id else []

    def body(self) -> bytes | None:
        """None."""
        return None
