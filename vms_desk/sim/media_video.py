"""Simulated recordings: H.264 clips (PyAV's bundled libx264) of the drawn camera scene."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal

import av

from vms_desk.sim.media_still import as_utc, clean_text, draw_frame

Container = Literal["mp4", "mkv", "avi"]

_FORMATS: dict[str, str] = {"mp4": "mp4", "mkv": "matroska", "avi": "avi"}


def frame_count(start: datetime, end: datetime, fps: int) -> int:
    """Frames needed so the clip lasts the span (to the nearest frame), at least one."""
    span = (as_utc(end) - as_utc(start)).total_seconds()
    if span < 0:
        raise ValueError("end is before start")
    return max(1, round(span * fps))


def encode_video(
    *,
    camera_name: str,
    start: datetime,
    end: datetime,
    container: Container,
    width: int,
    height: int,
    fps: int,
) -> bytes:
    """Encode the clip for [start, end) into a complete file in memory."""
    fmt = _FORMATS.get(container)
    if fmt is None:
        raise ValueError(f"unsupported container {container!r}")
    if fps < 1 or width < 16 or height < 16:
        raise ValueError("fps must be >= 1 and the frame at least 16x16")
    # yuv420p needs even dimensions; rounding down keeps the requested size within a pixel.
    width, height = width - width % 2, height - height % 2
    frames = frame_count(start, end, fps)
    begin = as_utc(start)
    time_base = Fraction(1, fps)
    # A whole file is built in memory: the mp4 muxer seeks back to write its index, and callers
    # (HTTP handlers, the cache) want bytes anyway.
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as output:
        output.metadata["title"] = clean_text(camera_name, 200)
        output.metadata["creation_time"] = begin.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        # ultrafast has no B-frames, so packets come out in order and AVI carries them without trouble.
        stream = output.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "26"})
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        # A key frame every 2 s lets players seek in the clip without decoding from the start.
        stream.codec_context.gop_size = 2 * fps
        # One thread: frames are tiny, simulators encode several clips at once, and the output is then
        # byte-identical on every machine (x264's bitstream depends on its thread count).
        stream.codec_context.thread_count = 1
        for index in range(frames):
            at = begin + timedelta(microseconds=round(index * 1_000_000 / fps))
            frame = av.VideoFrame.from_image(  # type: ignore[no-untyped-call]
                draw_frame(camera_name, at, width, height)
            )
            frame.pts = index
            frame.time_base = time_base
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()
