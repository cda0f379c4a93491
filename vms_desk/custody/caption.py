"""The caption burnt into a working copy: camera name and recorded time, in a zone that is named.

The time shown on each frame is the time the master says that frame was recorded; the zone's name and
UTC offset are part of the text, so nobody has to guess what "14:03" meant.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

_FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("C:/Windows/Fonts/arial.ttf"),
)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONT_FILES:
        if candidate.is_file():
            return ImageFont.truetype(str(candidate), size)
    return ImageFont.load_default(size)


def caption_time(at: datetime, zone: tzinfo) -> str:
    """'2026-12-01 14:03:05.200 CET (UTC+01:00)': the recorded time in `zone`, the zone named."""
    local = at.astimezone(zone)
    offset = local.strftime("%z")
    label = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    name = local.tzname() or ""
    if name == "UTC":
        label = ""
    zone_text = f"{name} ({label})" if name and label and not name.startswith(("+", "-")) else label or name
    return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d} {zone_text}"


class Caption:
    """Draws the camera name over the recorded time on a dark band across the top of each frame (the
    master's own burnt-in text, if any, usually sits at the bottom and stays visible)."""

    def __init__(self, camera: str, zone: tzinfo) -> None:
        self.camera = " ".join(camera.split())[:80] or "camera"
        self.zone = zone

    def __call__(self, image: Image.Image, at: datetime) -> Image.Image:
        """The frame with the caption drawn on a copy of it."""
        frame = image.convert("RGB")
        width, height = frame.size
        lines = (self.camera, caption_time(at, self.zone))
        margin = max(3, width // 80)
        # Two lines, each shrunk until it fits the width: a long camera name never runs off the frame.
        size = max(9, round(height * 0.06))
        font = _font(size)
        while size > 7 and max(font.getlength(t) for t in lines) > width - 2 * margin:
            size -= 1
            font = _font(size)
        line = round(size * 1.25)
        draw = ImageDraw.Draw(frame, "RGBA")
        draw.rectangle((0, 0, width, 2 * line + 2 * margin), fill=(0, 0, 0, 235))
        for row, text in enumerate(lines):
            draw.text((margin, margin + row * line), text, font=font, fill=(255, 255, 0))
        return frame
