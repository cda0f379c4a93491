"""The VDG simulator's XML: reading exportVideo bodies (tags case-insensitive) and writing results."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree
from starlette.responses import Response

from vms_desk.core.errors import ProtocolError
from vms_desk.core.times import from_vdg, to_vdg
from vms_desk.sim.vdg_sense.model import Device, VdgExport, device_status

ERRORS = {
    -1: "Not implemented",
    -2: "No device",
    -4: "Invalid Timestamp.",
    -17: "No server",
    -18: "General error",
    -33: "No serverID",
    -34: "No deviceID",
    -37: "Enddate before startdate",
    -48: "No videodata for timestamp",
    -57: "No exportid",
    -58: "Incorrect path",
    -60: "Not enough disk space",
    -61: "Unable to create directory",
}


class Refused(Exception):
    """A command the server answers with a negative errorcode."""

    def __init__(self, code: int, text: str = "") -> None:
        super().__init__(text or ERRORS.get(code, "General error"))
        self.code = code


def xml_response(root: etree._Element) -> Response:
    """A text/xml reply."""
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Response(body, media_type="text/xml")


def result(code: int = 0, description: str = "") -> etree._Element:
    """`<result errorcode="N">` with an optional `<description>`."""
    root = etree.Element("result", errorcode=str(code))
    if description:
        etree.SubElement(root, "description").text = description
    return root


def refused(error: Refused) -> Response:
    """The error reply for a refused command."""
    return xml_response(result(error.code, str(error)))


def _add(parent: etree._Element, tag: str, text: object) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = str(text)
    return child


def parse_body(data: bytes) -> etree._Element:
    """The exportVideo body with every tag lower-cased; no DTD, entities or network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Refused(-18, f"General error: the XML body is malformed ({exc})") from exc
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.lower()
    return root


def text_of(element: etree._Element, tag: str) -> str:
    """Text of the first child `tag` ("" when missing)."""
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def parse_time(text: str) -> datetime:
    """A VDG timestamp, or Refused(-4)."""
    try:
        return from_vdg(text)
    except ProtocolError:
        raise Refused(-4, f"Invalid Timestamp. {text!r}: use yyyy-mm-dd hh:nn:ss.zzz") from None


def device_list(listed: list[Device]) -> etree._Element:
    """getDeviceList's result, sorted by name as the vendor documents."""
    root = result()
    holder = etree.SubElement(root, "devices", count=str(len(listed)))
    for device in sorted(listed, key=lambda d: d.camera.name.lower()):
        node = etree.SubElement(holder, "device")
        index = device.camera.index
        for tag, value in (
            ("name", device.camera.name),
            ("serverid", device.serverid),
            ("deviceid", device.deviceid),
            ("status", "online"),
            ("type", "camera"),
            ("brand", "VDG"),
            ("location", ""),
            ("ptztype", "none"),
            ("ipaddress", f"192.168.1.{100 + index}"),
            ("port", "80"),
        ):
            _add(node, tag, value)
    return root


def export_created(export: VdgExport) -> etree._Element:
    """exportVideo's success result."""
    root = result()
    _add(etree.SubElement(root, "export"), "exportid", export.ident)
    return root


def export_list(exports: list[VdgExport]) -> etree._Element:
    """getExportVideoStatus' result: each export with its devices' progress and status."""
    root = result()
    holder = etree.SubElement(root, "exports", count=str(len(exports)))
    for export in exports:
        node = etree.SubElement(holder, "export")
        _add(node, "exportid", export.ident)
        _add(node, "path", export.path)
        _add(node, "status", export.status())
        _add(node, "bandwidth", export.bandwidth)
        parts = etree.SubElement(node, "devices")
        for device, part in export.parts:
            entry = etree.SubElement(parts, "device")
            progress, status = device_status(part)
            _add(entry, "serverid", device.serverid)
            _add(entry, "deviceid", device.deviceid)
            _add(entry, "starttime", to_vdg(part.start))
            _add(entry, "endtime", to_vdg(part.end))
            _add(entry, "progress", progress)
            _add(entry, "status", status)
            if part.error:
                _add(entry, "description", part.error)
    return root


def api_info(now: datetime | None = None) -> etree._Element:
    """/info: the server's UTC clock (`now`: the simulator's, which may be set off) and API version."""
    root = etree.Element("apiinfo")
    _add(root, "utc", (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))
    _add(root, "version", "2.7.3")
    return root
