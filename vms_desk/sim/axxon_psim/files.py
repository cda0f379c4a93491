"""PSIM simulator export files: real H.264 video in the container the task asked for."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from vms_desk.sim.exports import SimExport
from vms_desk.sim.media import render_video, render_video_bytes

FORMATS = ("mp4", "avi", "flv", "mov", "asf")
MEDIA_TYPES = {
    "mp4": "video/mp4",
    "avi": "video/x-msvideo",
    "flv": "video/x-flv",
    "mov": "video/quicktime",
    "asf": "video/x-ms-asf",
}
# A demo export of the whole archive (no `To`) would take hours to encode: the clip is capped.
MAX_RENDER = timedelta(minutes=10)


def _remux(mp4: bytes, fmt: str, out: Path) -> None:
    """Rewrap an H.264 MP4 into flv/mov/asf with PyAV, copying packets (no re-encoding)."""
    import av

    with av.open(io.BytesIO(mp4)) as source, av.open(str(out), mode="w", format=fmt) as target:
        stream = source.streams.video[0]
        copy = target.add_stream_from_template(stream)
        for packet in source.demux(stream):
            if packet.dts is None:  # the demuxer's final flush packet carries no data
                continue
            packet.stream = copy
            target.mux(packet)


def produce(export: SimExport) -> list[Path]:
    """The task's single video file, `<task id>.<format>`, in the export's folder."""
    out = export.folder / f"{export.id}.{export.fmt}"
    end = min(export.end, export.start + MAX_RENDER)
    if export.fmt in ("mp4", "avi"):
        render_video(out, camera_name=export.camera.name, start=export.start, end=end, container=export.fmt)
    else:
        # sim.media encodes mp4/mkv/avi only: flv, mov and asf carry the same H.264 stream, rewrapped
        # by PyAV into the real container, so a player sees the format the vendor name promises.
        data = render_video_bytes(
            camera_name=export.camera.name, start=export.start, end=end, container="mp4"
        )
        _remux(data, export.fmt, out)
    return [out]
