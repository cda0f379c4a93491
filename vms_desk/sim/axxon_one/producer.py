"""Makes the files of a simulated Axxon One export: H.264 clips, JPEG frames and PDF pages."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from pathlib import Path

from vms_desk.sim.axxon_one.common import SERVER, name_time
from vms_desk.sim.exports import SimExport
from vms_desk.sim.media import Container, render_jpeg, render_pdf, render_video_bytes

CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    # A real exe is a self-contained player with the video inside; the simulator serves the mp4 bytes.
    "exe": "application/octet-stream",
    "jpg": "image/jpeg",
    "pdf": "application/pdf",
}
_CONTAINERS: dict[str, Container] = {"mp4": "mp4", "mkv": "mkv", "avi": "avi", "exe": "mp4"}
BASE_FPS = 5
MAX_PARTS = 16  # bounds the work a tiny maxfilesize can cause
MIN_PART_SECONDS = 1.0
# About 8 s of encoding and 11 MB per clip on a laptop; a demo exporting a day gets the first 2 hours.
MAX_FRAMES = 7200


def file_names(export: SimExport, start: datetime, end: datetime, taken: set[str]) -> tuple[str, str]:
    """(server name, friendly name) in the documented pattern Server1_DeviceIpint.10[begin-end].mp4."""
    camera = export.camera
    stamp = f"[{name_time(start)}-{name_time(end)}].{export.fmt}"
    name = f"{SERVER}_DeviceIpint.{camera.index}{stamp}"
    friendly = f"{SERVER}_{camera.index}.{camera.name}{stamp}"
    count = 1
    while name in taken:  # sub-spans shorter than a second would otherwise share a name
        count += 1
        name = f"{SERVER}_DeviceIpint.{camera.index}{stamp[: -len(export.fmt) - 1]}_{count}.{export.fmt}"
        friendly = (
            f"{SERVER}_{camera.index}.{camera.name}{stamp[: -len(export.fmt) - 1]}_{count}.{export.fmt}"
        )
    taken.add(name)
    return name, friendly


def _still(export: SimExport) -> bytes:
    opts = export.options
    common = {
        "camera_name": export.camera.name,
        "at": export.start,
        "croparea": opts.get("croparea"),
        "maskspace": opts.get("maskspace"),
        "tsformat": opts.get("tsformat"),
        "color": opts.get("color"),
        "comment": opts.get("comment"),
    }
    if export.fmt == "jpg":
        return render_jpeg(**common)
    return render_pdf(
        **common,
        snapshotplace=opts.get("snapshotplace"),
        commentplace=opts.get("commentplace"),
        tsplace=opts.get("tsplace"),
        layout=int(opts.get("layout", 0)),
    )


def _parts(export: SimExport, start: datetime, end: datetime, fps: int) -> list[tuple[datetime, datetime]]:
    """Consecutive sub-spans so that each file stays near `maxfilesize` (estimated from the whole clip)."""
    limit = int(export.options.get("maxfilesize", 0))
    whole = render_video_bytes(
        camera_name=export.camera.name, start=start, end=end, container=_CONTAINERS[export.fmt], fps=fps
    )
    seconds = (end - start).total_seconds()
    if limit <= 0 or len(whole) <= limit:
        return [(start, end)]
    count = min(MAX_PARTS, math.ceil(len(whole) / limit), max(1, int(seconds // MIN_PART_SECONDS)))
    step = (end - start) / count
    bounds = [start + step * i for i in range(count)] + [end]
    return list(itertools.pairwise(bounds))


def _plan(export: SimExport, start: datetime, end: datetime) -> tuple[datetime, datetime, int]:
    """(start, end, fps) to render: freq honoured; long spans thinned, then cut, to bound the work."""
    # freq: 0 original, 1 half, 2 quarter, 3 one-eighth of the frame rate (vc and ac are not modelled).
    fps = max(1, round(BASE_FPS / 2 ** int(export.options.get("freq", 0))))
    seconds = (end - start).total_seconds()
    if seconds * fps > MAX_FRAMES:
        fps = max(1, int(MAX_FRAMES // seconds))
    if seconds > MAX_FRAMES:  # even 1 fps is too much: the files (and their names) cover less
        end = start + timedelta(seconds=MAX_FRAMES)
    return start, end, fps


def produce(export: SimExport) -> list[Path]:
    """Write the export's files into its folder; names and friendly names go to `export.extra`."""
    span: tuple[datetime, datetime] | None = export.extra.get("span")
    if span is None:  # no recording in the span (state 6) or no key frame in time (state 3)
        return []
    taken: set[str] = set()
    paths: list[Path] = []
    friendly: list[str] = []
    if export.fmt in ("jpg", "pdf"):
        pieces = [(span, _still(export))]
    else:
        start, end, fps = _plan(export, *span)
        container = _CONTAINERS[export.fmt]
        pieces = [
            (
                (s, e),
                render_video_bytes(
                    camera_name=export.camera.name, start=s, end=e, container=container, fps=fps
                ),
            )
            for s, e in _parts(export, start, end, fps)
        ]
    for (start, end), data in pieces:
        name, nice = file_names(export, start, end, taken)
        path = export.folder / name
        path.write_bytes(data)
        paths.append(path)
        friendly.append(nice)
    export.extra["friendly"] = friendly
    return paths
