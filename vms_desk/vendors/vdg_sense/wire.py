"""Decoding VDG Sense replies in one place: `<result errorcode>`, devices, exports, and vendor errors.

Tags are matched case-insensitively (the vendor says they are). The status strings of an export are
not documented (docs/vendors/vdg-sense.md, point 11), so, a choice:
- a status with a failure word ("fail", "error", "abort", "cancel", "unsuccessful") is a failure;
- a status with a done word anywhere in it ("Completed successfully", "Done", "Finished", "Ready") is
  done, and so is a full progress with no word;
- the export-level `<status>` counts as much as the devices' (a reply may carry only that one);
- progress is 0-100, unless it is written as a fraction ("0.25", "1.0"): then it is 0-1;
- any other word is kept verbatim and read as still running.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree
from pydantic import BaseModel, ConfigDict

from vms_desk.core.errors import ProtocolError, VendorError
from vms_desk.core.models import Camera
from vms_desk.core.protocol import ExportPhase
from vms_desk.core.times import from_vdg
from vms_desk.vendors._words import with_server_words
from vms_desk.vendors._xml import attr, child_text, children, local_name, parse_xml

VENDOR = "VDG Sense"
DONE_WORDS = frozenset(
    {"completed", "complete", "done", "finished", "ready", "ok", "success", "successful", "succeeded"}
)
FAILED_WORDS = ("fail", "error", "abort", "cancel", "unsuccessful", "not completed")
OFFLINE_WORDS = ("offline", "disconnect", "lost", "error", "unavailable")
UNKNOWN_EXPORT = -57  # "No exportid": also what the simulator answers for an id its session lacks

_SENTENCES = {
    -1: "This VDG Sense server does not offer {command} (error -1): it may be older than 2.7.3 or lack "
    "the API licence.",
    -2: "VDG Sense does not know this camera (error -2): refresh the camera list and pick it again.",
    -4: "VDG Sense refused a time vms_desk sent (error -4, invalid timestamp); please report this.",
    -17: "VDG Sense does not know the recording server of this camera (error -17): refresh the camera list.",
    -33: "The export named no VDG server (error -33): pick the camera again from the camera list.",
    -34: "The export named no VDG device (error -34): pick the camera again from the camera list.",
    -37: "VDG Sense says the end is before the start (error -37): pick an end after the start.",
    -48: "VDG Sense has no recording of this camera in the chosen span (error -48): pick a span with "
    "recordings.",
    -57: "VDG Sense does not know this export (error -57).",
    -58: "VDG Sense cannot use the export folder {path} (error -58, incorrect path): give a folder on a "
    "drive or share the server has.",
    -60: "There is not enough disk space for the export in {path} on the VDG Sense server (error -60): free "
    "some space or pick another folder.",
    -61: "VDG Sense could not create the export folder {path} (error -61): check the folder name and the "
    "server's rights on it.",
}


def vendor_error(code: int, description: str, *, command: str, path: str = "") -> VendorError:
    """The typed error for a negative errorcode, with a sentence for the user."""
    template = _SENTENCES.get(code)
    if template is None:
        sentence = f"VDG Sense refused {command} (error {code})."
    else:
        sentence = template.format(command=command, path=path or "the given folder")
    return VendorError(
        with_server_words(sentence, description, code),
        code=str(code),
        vendor_text=description,
        detail=f"{command}: errorcode {code} {description!r}",
    )


def check_result(data: bytes, *, command: str, path: str = "") -> etree._Element:
    """The `<result>` root of a reply; a negative errorcode raises VendorError."""
    root = parse_xml(data, VENDOR)
    if local_name(root) != "result":
        raise ProtocolError(
            f"The {VENDOR} server sent an unexpected reply to {command}.", detail=repr(data[:200])
        )
    raw = attr(root, "errorcode", "0").strip()
    try:
        code = int(raw)
    except ValueError:
        raise ProtocolError(
            f"The {VENDOR} server sent an unreadable error code to {command}.", detail=f"errorcode={raw!r}"
        ) from None
    if code < 0:
        raise vendor_error(code, child_text(root, "description"), command=command, path=path)
    return root


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeviceEntry(_Wire):
    """One `<device>` of getDeviceList."""

    name: str
    serverid: str
    deviceid: str
    status: str = ""
    type: str = ""
    brand: str = ""
    location: str = ""
    ipaddress: str = ""

    def to_camera(self) -> Camera:
        """The camera with id `<serverid>/<deviceid>` (the vms_desk choice for VDG ids)."""
        status = self.status.lower()
        detail = {
            k: v
            for k, v in (
                ("type", self.type),
                ("brand", self.brand),
                ("location", self.location),
                ("ipaddress", self.ipaddress),
                ("status", self.status),
            )
            if v
        }
        return Camera(
            id=f"{self.serverid}/{self.deviceid}",
            name=self.name or self.deviceid,
            online=not any(word in status for word in OFFLINE_WORDS),
            detail=detail,
        )


def parse_devices(root: etree._Element) -> list[Camera]:
    """Cameras from getDeviceList (entries without both ids are skipped)."""
    cameras = []
    for holder in children(root, "devices"):
        for node in children(holder, "device"):
            fields = {f: child_text(node, f) for f in DeviceEntry.model_fields}
            if fields["serverid"] and fields["deviceid"]:
                cameras.append(DeviceEntry(**fields).to_camera())
    return cameras


def parse_export_id(root: etree._Element) -> str:
    """The id from exportVideo's `<export><exportid>`."""
    for node in children(root, "export"):
        if ident := child_text(node, "exportid"):
            return ident
    raise ProtocolError(f"The {VENDOR} server accepted the export but sent no export id.")


def word_phase(status: str) -> ExportPhase | None:
    """The phase a status word names (failure words first), or None when it names neither."""
    text = status.strip().lower()
    if not text:
        return None
    if any(word in text for word in FAILED_WORDS):
        return ExportPhase.FAILED
    if any(word in DONE_WORDS for word in re.findall(r"[a-z]+", text)):
        return ExportPhase.DONE
    return None


class DevicePart(_Wire):
    """One device's part of an export: progress as a fraction 0..1 and its status string."""

    serverid: str
    deviceid: str
    progress: float = 0.0  # 0..1 (see `progress_fraction`)
    status: str = ""
    description: str = ""

    @property
    def phase(self) -> ExportPhase:
        """Where this device's part stands (see the module docstring for the choice)."""
        named = word_phase(self.status)
        if named is not None:
            return named
        return ExportPhase.DONE if self.progress >= 1.0 else ExportPhase.RUNNING


class ExportEntry(_Wire):
    """One `<export>` of getExportVideoStatus."""

    export_id: str
    path: str = ""
    status: str = ""
    description: str = ""
    devices: tuple[DevicePart, ...] = ()

    def summary(self) -> tuple[ExportPhase, float, str]:
        """(phase, progress 0..1, the vendor's failure text).

        A failure word, on the export or on a device, fails it; a done word on the export ends it;
        otherwise it runs while any device runs.
        """
        progress = (
            sum(min(1.0, max(0.0, d.progress)) for d in self.devices) / len(self.devices)
            if self.devices
            else 0.0
        )
        failed = [d for d in self.devices if d.phase is ExportPhase.FAILED]
        export_phase = word_phase(self.status)
        if export_phase is ExportPhase.FAILED or failed:
            texts = [d.description or d.status for d in failed] or [self.description or self.status]
            return ExportPhase.FAILED, progress, "; ".join(dict.fromkeys(t for t in texts if t))
        if export_phase is ExportPhase.DONE:
            return ExportPhase.DONE, 1.0, ""
        if not self.devices or any(d.phase is ExportPhase.RUNNING for d in self.devices):
            return ExportPhase.RUNNING, min(progress, 0.99), ""
        return ExportPhase.DONE, 1.0, ""

    @property
    def words(self) -> str:
        """Every status word the server gave for this export, verbatim (for the job's events)."""
        found = [self.status, *(d.status for d in self.devices)]
        return "; ".join(dict.fromkeys(w for w in found if w))


def progress_fraction(text: str) -> float:
    """A device's progress as 0..1: "45" and "45%" are percent, "0.45" and "1.0" are a fraction.

    Choice: the scale is not documented. Whole numbers are read as percent (the likely 0-100); a number
    written with a decimal point and at most 1 is read as a fraction, so a 0-1 server also ends.
    """
    raw = text.strip().rstrip("%").strip()
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    if "." in raw and value <= 1.0 and not text.strip().endswith("%"):
        return value
    return value / 100


def parse_exports(root: etree._Element) -> list[ExportEntry]:
    """Every export of a getExportVideoStatus reply."""
    entries = []
    for holder in children(root, "exports"):
        for node in children(holder, "export"):
            parts = tuple(
                DevicePart(
                    serverid=child_text(d, "serverid"),
                    deviceid=child_text(d, "deviceid"),
                    progress=progress_fraction(child_text(d, "progress", "0")),
                    status=child_text(d, "status"),
                    description=child_text(d, "description"),
                )
                for devices in children(node, "devices")
                for d in children(devices, "device")
            )
            entries.append(
                ExportEntry(
                    export_id=child_text(node, "exportid"),
                    path=child_text(node, "path"),
                    status=child_text(node, "status"),
                    description=child_text(node, "description"),
                    devices=parts,
                )
            )
    return entries


def parse_info(data: bytes) -> tuple[str, datetime | None]:
    """`/info`: (API version, the server's UTC clock); ("", None) where unreadable (informative only).

    The article's own example is malformed (`<utc>…<!-- utc--> <version>…</utc></apiinfo></apiinfo>`);
    a reply that does not parse is searched for the two values as text.
    """
    try:
        root = parse_xml(data, VENDOR)
        version, utc = child_text(root, "version"), child_text(root, "utc")
        if not version:
            version = next((child_text(e, "version") for e in root.iter() if child_text(e, "version")), "")
    except ProtocolError:
        text = data.decode("utf-8", "replace")
        found_version = re.search(r"<version>\s*([^<\s]+)\s*<", text, re.IGNORECASE)
        found_utc = re.search(r"<utc>\s*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)", text, re.IGNORECASE)
        version = found_version.group(1) if found_version else ""
        utc = found_utc.group(1) if found_utc else ""
    clock = None
    if utc:
        try:
            clock = from_vdg(utc.strip())
        except ProtocolError:
            clock = None
    return version, clock


def parse_version(data: bytes) -> str:
    """The API version from `/info` ("" when unreadable: it is informative only)."""
    return parse_info(data)[0]
