"""Making a court-playable MP4 (H.264) from a master with PyAV: remux when it is H.264, else transcode.

Remuxing copies the master's compressed packets unchanged into an MP4 container: no pixel is
re-encoded, so the working copy shows exactly what the master holds. Transcoding (libx264, CRF 18)
happens only when it must: another codec, a pixel format players refuse, or a caption burnt in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from PIL import Image

# Pixel formats every H.264 player (and every browser) decodes; 4:2:2 / 4:4:4 / 10-bit are not among them.
PLAYABLE_PIX_FMTS = frozenset({"yuv420p", "yuvj420p"})
MP4_AUDIO = frozenset({"aac", "mp3", "ac3"})
CRF = "18"  # visually lossless for a working copy; the master stays the evidence

Captioner = Callable[[Image.Image, datetime], Image.Image]


@dataclass(frozen=True)
class CopyResult:
    """What was done: 'remux' or 'transcode', why, how many video frames or packets, the duration."""

    operation: str
    reason: str
    video_units: int
    duration_s: float
    dropped_audio: tuple[str, ...] = ()


class NotVideo(ValueError):
    """The file holds no video stream that can be read."""


def library_versions() -> dict[str, str]:
    """PyAV and the FFmpeg libraries that touch the bytes (for the lineage record)."""
    versions = {"av": str(av.__version__)}
    for name, numbers in av.library_versions.items():
        versions[name] = ".".join(str(n) for n in numbers)
    return versions


def needs_transcode(source: Path, *, caption: bool) -> str | None:
    """Why the master cannot simply be remuxed into MP4, or None when it can."""
    try:
        with av.open(str(source)) as container:
            if not container.streams.video:
                raise NotVideo(f"{source.name} holds no video stream.")
            ctx = container.streams.video[0].codec_context
            codec, pix_fmt = ctx.name, ctx.pix_fmt
    except av.FFmpegError as exc:
        raise NotVideo(f"{source.name} cannot be read as video ({exc}).") from exc
    if caption:
        return "a caption is burnt into the picture"
    if codec != "h264":
        return f"the master's codec is {codec}, not H.264"
    if pix_fmt and pix_fmt not in PLAYABLE_PIX_FMTS:
        return f"the master's pixel format {pix_fmt} does not play everywhere"
    return None


def remux(source: Path, target: Path) -> CopyResult:
    """Copy the H.264 packets (and MP4-compatible audio) into an MP4 at `target` (blocking)."""
    packets, dropped, end = 0, [], 0.0
    with (
        av.open(str(source)) as inp,
        av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        video = inp.streams.video[0]
        start = float(video.start_time * video.time_base) if video.start_time and video.time_base else 0.0
        mapping: dict[int, Any] = {video.index: out.add_stream_from_template(video)}
        for audio in inp.streams.audio:
            if audio.codec_context.name in MP4_AUDIO:
                mapping[audio.index] = out.add_stream_from_template(audio)
            else:
                dropped.append(audio.codec_context.name)
        for packet in inp.demux(*[s for s in inp.streams if s.index in mapping]):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            if packet.stream.index == video.index:
                packets += 1
                if packet.pts is not None and packet.time_base:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
            packet.stream = mapping[packet.stream.index]
            out.mux(packet)
    return CopyResult("remux", "the master is H.264", packets, max(0.0, end - start), tuple(dropped))


def transcode(
    source: Path, target: Path, reason: str, anchor: datetime, caption: Captioner | None
) -> CopyResult:
    """Decode the master and encode H.264 into an MP4, with `caption` drawn on each frame (blocking).

    Each frame's recorded time is `anchor` plus its presentation time from the master's first frame.
    """
    frames, end = 0, 0.0
    with (
        av.open(str(source)) as inp,
        av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        video = inp.streams.video[0]
        rate = video.average_rate or video.guessed_rate or Fraction(25)
        stream = out.add_stream("libx264", rate=rate, options={"preset": "veryfast", "crf": CRF})
        stream.width = video.codec_context.width - video.codec_context.width % 2
        stream.height = video.codec_context.height - video.codec_context.height % 2
        stream.pix_fmt = "yuv420p"
        time_base = video.time_base or Fraction(1, 1000)
        stream.codec_context.time_base = time_base
        first: int | None = None
        for frame in inp.decode(video):
            pts = frame.pts if frame.pts is not None else frames
            first = pts if first is None else first
            offset = float((pts - first) * time_base)
            image = frame.to_image()  # type: ignore[no-untyped-call]
            if caption is not None:
                image = caption(image, anchor + timedelta(seconds=offset))
            image = (
                image.resize((stream.width, stream.height))
                if image.size != (stream.width, stream.height)
                else image
            )
            made = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
            made.pts = pts - first
            made.time_base = time_base
            out.mux(stream.encode(made))
            frames += 1
            end = offset
        out.mux(stream.encode(None))
    return CopyResult("transcode", reason, frames, end)
