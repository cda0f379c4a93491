"""The simulated Axis device: its identity, its recordings (one per recorded span) and key frames."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from vms_desk.core.times import to_axis
from vms_desk.sim.archive import SimCamera
from vms_desk.sim.base import SimState

SERIAL = "ACCC8E0000A1"
REALM = f"AXIS_{SERIAL}"
DISK_ID = "SD_DISK"
# The encoder in sim.media writes a key frame every 2 s from the clip's first frame, and a recording
# starts with a key frame: so key frames sit at recording start + k * 2 s.
KEYFRAME_INTERVAL = timedelta(seconds=2)
FPS, WIDTH, HEIGHT = 5, 320, 180
# Measured from sim.media clips (about 7.6 kB per second at 320x180, 5 fps); used for EstimatedFileSize.
KB_PER_SECOND = 8

DEVICE_PROPERTIES: dict[str, str] = {
    "Architecture": "aarch64",
    "Brand": "AXIS",
    "BuildDate": "Nov 03 2025 09:12",
    "HardwareID": "9A4",
    "ProdFullName": "AXIS F9114 Main Unit",
    "ProdNbr": "F9114",
    "ProdShortName": "AXIS F9114",
    "ProdType": "Main Unit",
    "ProdVariant": "",
    "SerialNumber": SERIAL,
    "Soc": "Ambarella CV25",
    "SocSerialNumber": "",
    "Version": "11.11.73",
    "WebURL": "http://www.axis.com",
}


@dataclass(frozen=True)
class SimRecording:
    """One continuous recording of one video source; `stop` is None while it is still recording."""

    recordingid: str
    camera: SimCamera
    start: datetime
    stop: datetime | None
    diskid: str = DISK_ID

    def end(self, now: datetime) -> datetime:
        """The stop, or `now` for the ongoing recording."""
        return self.stop or now

    def keyframe_at_or_before(self, at: datetime) -> datetime:
        """The closest key frame at or before `at` (never before the recording's start)."""
        if at <= self.start:
            return self.start
        steps = (at - self.start) // KEYFRAME_INTERVAL
        return self.start + steps * KEYFRAME_INTERVAL


def _ceil_second(value: datetime) -> datetime:
    whole = value.replace(microsecond=0)
    return whole + timedelta(seconds=1) if value.microsecond else whole


def recording_id(camera: SimCamera, start: datetime) -> str:
    """An id shaped like the device's: start time, a 4-hex tag, the serial number."""
    tag = zlib.crc32(f"{camera.index}:{start.isoformat()}".encode()) & 0xFFFF
    return f"{start:%Y%m%d_%H%M%S}_{tag:04X}_{SERIAL}"


def recordings(state: SimState, now: datetime) -> list[SimRecording]:
    """Every recording on the device: each recorded span between two gaps is one recording."""
    archive = state.archive
    result: list[SimRecording] = []
    for camera in archive.cameras:
        for low, high in archive.spans(camera.index, archive.begin, now, now=now):
            # Recordings start and stop on whole seconds, inside what the archive recorded.
            start = _ceil_second(low)
            stop = None if high >= now else high.replace(microsecond=0)
            if stop is not None and stop <= start:
                continue
            result.append(SimRecording(recording_id(camera, start), camera, start, stop))
    return result


def find(state: SimState, now: datetime, ident: str, diskid: str | None = None) -> SimRecording | None:
    """The recording with this id (on this disk, when given), or None."""
    for rec in recordings(state, now):
        if rec.recordingid == ident and (diskid is None or rec.diskid == diskid):
            return rec
    return None


def local_time(value: datetime) -> str:
    """The device's local time: the simulated device runs on UTC."""
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def recording_xml(rec: SimRecording) -> str:
    """One <recording> element as record/list.cgi writes it (stop times empty while recording)."""
    stop = to_axis(rec.stop) if rec.stop else ""
    stop_local = local_time(rec.stop) if rec.stop else ""
    status = "completed" if rec.stop else "recording"
    source = str(rec.camera.index)
    attrs = {
        "diskid": rec.diskid,
        "recordingid": rec.recordingid,
        "starttime": to_axis(rec.start),
        "starttimelocal": local_time(rec.start),
        "stoptime": stop,
        "stoptimelocal": stop_local,
        "recordingtype": "continuous",
        "eventid": "continuous",
        "eventtrigger": "continuous",
        "recordingstatus": status,
        "source": source,
    }
    video = {
        "mimetype": "video/x-h264",
        "source": source,
        "framerate": f"{FPS}:1",
        "resolution": f"{WIDTH}x{HEIGHT}",
        "width": str(WIDTH),
        "height": str(HEIGHT),
    }
    return f"<recording {_attrs(attrs)}><video {_attrs(video)}/></recording>"


def _attrs(values: dict[str, str]) -> str:
    return " ".join(f"{k}={quoteattr(v)}" for k, v in values.items())


def text(value: str) -> str:
    """XML-escaped element text."""
    return escape(value)
