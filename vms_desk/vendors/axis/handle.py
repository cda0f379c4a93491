"""What an Axis export handle holds: per recording, the part to export and its key-frame start.

The handle is stored by the jobs layer, so it holds no secret: an encrypted export's ZIP password lives
only in the client's memory (see `client.Client`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

from vms_desk.core.errors import ProtocolError
from vms_desk.core.models import TimeSpan
from vms_desk.core.options import JsonValue
from vms_desk.core.protocol import ExportHandle, RemoteFile


class Part(BaseModel):
    """One recording's share of the span: the span clipped to it and the key frame it starts on."""

    model_config = ConfigDict(frozen=True)

    recordingid: str
    diskid: str
    start: datetime  # the requested span clipped to the recording
    stop: datetime
    actual_start: datetime  # the key frame properties.cgi returned: the export starts here
    estimated_kb: int | None = None
    name: str

    @property
    def actual_span(self) -> TimeSpan:
        """What the file covers: key-frame start to the clipped stop."""
        return TimeSpan(start=min(self.actual_start, self.stop), end=self.stop)

    def remote_file(self) -> RemoteFile:
        """The file this part becomes; the locator is the recording id."""
        return RemoteFile(name=self.name, locator=self.recordingid, actual_span=self.actual_span)


class Plan(BaseModel):
    """The whole export: camera, whether it is an encrypted ZIP, and its parts in time order."""

    model_config = ConfigDict(frozen=True)

    key: str  # identifies the export in this client's memory (its ZIP password); not a secret
    camera_id: str
    encryption: str = ""
    export_format: str = "matroska"  # the device's ExportFormat value (handles stored before: Matroska)
    parts: tuple[Part, ...]

    @property
    def encrypted(self) -> bool:
        """True when the files are password-protected ZIPs."""
        return bool(self.encryption)

    def handle(self) -> ExportHandle:
        """The JSON-safe handle the jobs layer stores."""
        data: dict[str, JsonValue] = self.model_dump(mode="json")
        return ExportHandle(export_ids=tuple(p.recordingid for p in self.parts), data=data)

    def part(self, locator: str) -> Part | None:
        """The part a RemoteFile's locator names."""
        return next((p for p in self.parts if p.recordingid == locator), None)

    @property
    def actual_span(self) -> TimeSpan:
        """From the first key-frame start to the last stop."""
        spans = [p.actual_span for p in self.parts]
        return TimeSpan(start=min(s.start for s in spans), end=max(s.end for s in spans))


def plan_of(handle: ExportHandle) -> Plan:
    """The plan stored in a handle; a damaged handle is a ProtocolError, not a crash."""
    try:
        plan = Plan.model_validate(handle.data)
    except ValidationError as exc:
        raise ProtocolError(
            "The stored Axis export could not be read; start the export again.", detail=str(exc)
        ) from exc
    if not plan.parts:
        raise ProtocolError("The stored Axis export names no recording; start the export again.")
    return plan


def file_name(start: datetime, stop: datetime, encrypted: bool, ext: str = "mkv") -> str:
    """The device's default name form, YYYYMMDD_HHMMSS_YYYYMMDD_HHMMSS.mkv (.zip when encrypted)."""
    return f"{start:%Y%m%d_%H%M%S}_{stop:%Y%m%d_%H%M%S}.{'zip' if encrypted else ext}"
