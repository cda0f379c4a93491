"""A thumbnail per video for the bundle page: a frame from one second in (or the first), as a JPEG."""

from __future__ import annotations

from pathlib import Path

import av

WIDTH = 320


def write_thumbnail(video: Path, target: Path) -> bool:
    """Write a small JPEG of `video` to `target`; False when the file cannot be decoded (no thumbnail)."""
    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                return False
            stream = container.streams.video[0]
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                # One second in shows the scene rather than a possibly black first frame.
                if frame.time is not None and frame.time >= 1.0:
                    break
            if chosen is None:
                return False
            image = chosen.to_image()  # type: ignore[no-untyped-call]
    except (av.FFmpegError, OSError):
        return False
    height = max(2, round(image.height * WIDTH / max(1, image.width)))
    image.convert("RGB").resize((WIDTH, height)).save(target, "JPEG", quality=82)
    return True
