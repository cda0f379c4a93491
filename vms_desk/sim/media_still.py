"""Simulated camera frames: the drawn scene, plus JPEG and PDF snapshots with Axxon One's export options."""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from vms_desk.core.tsformat import DEFAULT_TSFORMAT, format_timestamp

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Rect = tuple[tuple[float, float], tuple[float, float]]
Polygon = tuple[tuple[float, float], ...]

# Longest text we hand to FreeType: Pillow refuses huge strings and nothing longer fits a frame anyway.
_MAX_TEXT = 2000
_DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
# A4 at 150 dpi: sharp enough for a printed snapshot while keeping the page JPEG small and quick.
_PDF_DPI = 150
_A4_PX = (1240, 1754)
_PDF_FRAME = (1280, 720)
_DEFAULT_SNAPSHOT: Rect = ((0.05, 0.04), (0.95, 0.60))
_DEFAULT_TS: Rect = ((0.05, 0.62), (0.95, 0.67))
_DEFAULT_COMMENT: Rect = ((0.05, 0.69), (0.95, 0.95))


def as_utc(when: datetime) -> datetime:
    """Return ``when`` in UTC; naive datetimes are taken to already be UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def clean_text(text: str, limit: int = _MAX_TEXT) -> str:
    """Make user text drawable: no lone surrogates or control characters, bounded length."""
    text = text[:limit].encode("utf-8", "replace").decode("utf-8")
    return "".join(ch if ch == "\n" or ch.isprintable() else " " for ch in text)


@lru_cache(maxsize=64)
def load_font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans at ``size`` px when available, else Pillow's bundled scalable default font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for candidate in (name, str(_DEJAVU_DIR / name)):
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _fit(text: str, font: Font, width: float) -> str:
    """Shorten ``text`` with an ellipsis until it fits ``width`` pixels."""
    if font.getlength(text) <= width:
        return text
    # Binary search on the kept length: camera names and comments can be thousands of characters.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle] + "…") <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


def _bar_height(height: int) -> int:
    """Height of the caption bars, proportional to the frame so text scales with it."""
    return max(12, round(height * 0.11))


@lru_cache(maxsize=16)
def _background(camera_name: str, width: int, height: int) -> Image.Image:
    """The static part of a frame (scene and caption bars), cached because every frame starts from it."""
    seed = zlib.crc32(camera_name.encode("utf-8", "replace"))
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    horizon = round(height * 0.62)
    for y in range(horizon):
        shade = y / max(1, horizon)
        draw.line(
            [(0, y), (width, y)], fill=(int(20 + 60 * shade), int(40 + 70 * shade), int(90 + 80 * shade))
        )
    draw.rectangle((0, horizon, width, height), fill=(58, 72, 60))
    road_top = round(height * 0.72)
    draw.rectangle((0, road_top, width, round(height * 0.84)), fill=(70, 70, 74))
    # Buildings differ per camera (crc32, not hash(), so every process draws the same skyline).
    x = 0
    index = 0
    while x < width:
        bits = (seed >> (index % 24)) & 0xFF
        building_w = max(4, round(width * (0.08 + (bits % 7) * 0.015)))
        building_h = round(height * (0.18 + ((bits >> 3) % 6) * 0.05))
        tone = 90 + (bits % 5) * 18
        draw.rectangle(
            (x, horizon - building_h, x + building_w - 2, horizon), fill=(tone, tone - 10, tone - 25)
        )
        step = max(3, building_w // 4)
        for wx in range(x + step // 2, x + building_w - step // 2, step):
            for wy in range(horizon - building_h + step // 2, horizon - step, step):
                draw.point((wx, wy), fill=(230, 210, 120))
        x += building_w + max(1, width // 80)
        index += 5
    bar = _bar_height(height)
    # Caption bars are baked in translucent so the scene stays visible behind the text.
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    shade_draw = ImageDraw.Draw(overlay)
    shade_draw.rectangle((0, 0, width, bar), fill=(0, 0, 0, 150))
    shade_draw.rectangle((0, height - bar, width, height), fill=(0, 0, 0, 150))
    img = Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
    font = load_font(round(bar * 0.68), bold=True)
    margin = max(2, bar // 4)
    label = _fit(clean_text(camera_name) or "camera", font, width - 2 * margin)
    ImageDraw.Draw(img).text((margin, bar / 2), label, font=font, fill=(255, 255, 255), anchor="lm")
    return img


def clock_text(at: datetime) -> str:
    """The burnt-in clock: recorded time in UTC with milliseconds."""
    utc = as_utc(at)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d} UTC"


def draw_frame(camera_name: str, at: datetime, width: int, height: int) -> Image.Image:
    """Draw the camera frame for the recorded instant ``at`` (moving objects depend only on ``at``)."""
    img = _background(camera_name, width, height).copy()
    draw = ImageDraw.Draw(img)
    seconds = as_utc(at).timestamp()
    # A car crosses the road every 6 s and a ball bobs across the sky every 9 s, so motion is obvious.
    car_w, car_h = max(6, width // 8), max(4, height // 14)
    car_x = (seconds % 6.0) / 6.0 * (width + car_w) - car_w
    car_y = round(height * 0.78) - car_h // 2
    draw.rounded_rectangle(
        (car_x, car_y, car_x + car_w, car_y + car_h), radius=car_h // 3, fill=(200, 40, 40)
    )
    radius = max(3, height // 18)
    ball_x = (seconds % 9.0) / 9.0 * width
    ball_y = height * (0.35 + 0.12 * math.sin(seconds * 2.1))
    draw.ellipse((ball_x - radius, ball_y - radius, ball_x + radius, ball_y + radius), fill=(255, 170, 20))
    bar = _bar_height(height)
    font = load_font(round(bar * 0.68))
    draw.text(
        (max(2, bar // 4), height - bar / 2), clock_text(at), font=font, fill=(255, 255, 255), anchor="lm"
    )
    return img


def _finite(value: object) -> float:
    """A float from a JSON number, refusing NaN, infinities and non-numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return float(value)


def _point(raw: object) -> tuple[float, float]:
    """One [x, y] pair."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 2:
        raise ValueError(f"expected [x, y], got {raw!r}")
    return _finite(raw[0]), _finite(raw[1])


def normalise_rect(raw: object) -> Rect | None:
    """Validate ``[[x1, y1], [x2, y2]]`` (normalised) into ordered corners clamped to 0..1."""
    if raw is None:
        return None
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 2:
        raise ValueError(f"expected [[x1, y1], [x2, y2]], got {raw!r}")
    (ax, ay), (bx, by) = _point(raw[0]), _point(raw[1])
    xs = sorted(min(1.0, max(0.0, v)) for v in (ax, bx))
    ys = sorted(min(1.0, max(0.0, v)) for v in (ay, by))
    return (xs[0], ys[0]), (xs[1], ys[1])


def normalise_polygons(raw: object) -> tuple[Polygon, ...]:
    """Validate a list of polygons, each a list of normalised [x, y] points."""
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValueError(f"expected a list of polygons, got {raw!r}")
    polygons = []
    for polygon in raw:
        if not isinstance(polygon, Sequence) or isinstance(polygon, str):
            raise ValueError(f"expected a list of [x, y] points, got {polygon!r}")
        # Clamped far outside the frame only so Pillow never sees absurd coordinates; shape inside is kept.
        polygons.append(
            tuple((min(5.0, max(-4.0, x)), min(5.0, max(-4.0, y))) for x, y in map(_point, polygon))
        )
    return tuple(polygons)


def parse_color(raw: str | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    """Parse ``#RRGGBB`` (``#`` optional, ``#RGB`` accepted) into an RGB triple."""
    if raw is None:
        return default
    digits = raw.strip().removeprefix("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    if len(digits) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
        raise ValueError(f"expected a #RRGGBB colour, got {raw!r}")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _pixel_box(rect: Rect, width: int, height: int) -> tuple[int, int, int, int]:
    """Pixel box for a normalised rectangle, never empty."""
    (x1, y1), (x2, y2) = rect
    left, top = min(width - 1, math.floor(x1 * width)), min(height - 1, math.floor(y1 * height))
    right, bottom = max(left + 1, math.ceil(x2 * width)), max(top + 1, math.ceil(y2 * height))
    return left, top, min(width, right), min(height, bottom)


def export_frame(
    *,
    camera_name: str,
    at: datetime,
    width: int,
    height: int,
    croparea: Rect | None,
    maskspace: tuple[Polygon, ...],
) -> tuple[Image.Image, int]:
    """The frame with privacy masks filled black then cropped; also returns the crop's top offset in px."""
    img = draw_frame(camera_name, at, width, height)
    draw = ImageDraw.Draw(img)
    for polygon in maskspace:
        if len(polygon) >= 3:
            draw.polygon([(x * width, y * height) for x, y in polygon], fill=(0, 0, 0))
    if croparea is None:
        return img, 0
    box = _pixel_box(croparea, width, height)
    return img.crop(box), box[1]


def _outlined(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: Font, fill: tuple[int, ...]
) -> None:
    """Draw text with a thin black outline so any colour stays legible on any background."""
    size = getattr(font, "size", 12)
    draw.text(xy, text, font=font, fill=fill, stroke_width=max(1, round(size / 14)), stroke_fill=(0, 0, 0))


def jpeg_bytes(
    *,
    camera_name: str,
    at: datetime,
    croparea: Rect | None,
    maskspace: tuple[Polygon, ...],
    tsformat: str | None,
    color: tuple[int, int, int],
    comment: str | None,
    width: int,
    height: int,
) -> bytes:
    """Encode the exported snapshot as JPEG, with the optional timestamp and comment overlay."""
    img, crop_top = export_frame(
        camera_name=camera_name, at=at, width=width, height=height, croparea=croparea, maskspace=maskspace
    )
    lines = []
    if tsformat is not None:
        lines.extend(clean_text(format_timestamp(tsformat, as_utc(at))).split("\n"))
    if comment:
        lines.extend(clean_text(comment).split("\n"))
    if lines:
        bar = _bar_height(height)
        font = load_font(max(10, round(bar * 0.6)))
        step = round(font.size * 1.25) if isinstance(font, ImageFont.FreeTypeFont) else 14
        # Start below the burnt-in camera-name bar when the crop still shows it, so both stay readable.
        y = float(max(step // 3, bar - crop_top + step // 3))
        draw = ImageDraw.Draw(img)
        for line in lines:
            _outlined(draw, (step // 3, y), line, font, color)
            y += step
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def _wrap(text: str, font: Font, width: float) -> list[str]:
    """Greedy word wrap to ``width`` pixels; over-long words are broken by character."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while font.getlength(line) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and font.getlength(line[:cut]) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def _text_block(
    page: Image.Image, area: Rect, text: str, size: int, fill: tuple[int, int, int], *, shrink: bool
) -> None:
    """Draw ``text`` into a page area: shrink one line to fit, or wrap and clip with an ellipsis."""
    box = _pixel_box(area, page.width, page.height)
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    draw = ImageDraw.Draw(page)
    if sum(fill) > 600:
        # Light text (the JPEG default is white) would vanish on a white page: give it a dark plate.
        draw.rectangle(box, fill=(40, 40, 40))
        pad = min(size // 3, box_w // 4, box_h // 4)
        box = (box[0] + pad, box[1] + pad, box[2] - pad, box[3] - pad)
        box_w, box_h = box[2] - box[0], box[3] - box[1]
    font = load_font(size)
    if shrink:
        while size > 8 and (font.getlength(text) > box_w or size * 1.2 > box_h):
            size -= 1
            font = load_font(size)
    step = round(size * 1.3)
    lines = _wrap(text, font, box_w)
    fit = max(1, box_h // step)
    if len(lines) > fit:
        lines = [*lines[: fit - 1], _fit(lines[fit - 1] + " …", font, box_w)]
    for number, line in enumerate(lines):
        draw.text((box[0], box[1] + number * step), line, font=font, fill=fill)


def pdf_bytes(
    *,
    camera_name: str,
    at: datetime,
    croparea: Rect | None,
    maskspace: tuple[Polygon, ...],
    tsformat: str | None,
    color: tuple[int, int, int],
    comment: str | None,
    snapshotplace: Rect | None,
    commentplace: Rect | None,
    tsplace: Rect | None,
    layout: int,
) -> bytes:
    """Lay out a one-page A4 PDF: the snapshot, its timestamp and the comment, each in its area."""
    if layout not in (0, 1):
        raise ValueError(f"layout must be 0 (portrait) or 1 (landscape), got {layout!r}")
    size = _A4_PX if layout == 0 else (_A4_PX[1], _A4_PX[0])
    page = Image.new("RGB", size, (255, 255, 255))
    frame, _ = export_frame(
        camera_name=camera_name,
        at=at,
        width=_PDF_FRAME[0],
        height=_PDF_FRAME[1],
        croparea=croparea,
        maskspace=maskspace,
    )
    box = _pixel_box(snapshotplace or _DEFAULT_SNAPSHOT, *size)
    scale = min((box[2] - box[0]) / frame.width, (box[3] - box[1]) / frame.height)
    fitted = frame.resize(
        (max(1, round(frame.width * scale)), max(1, round(frame.height * scale))), Image.Resampling.LANCZOS
    )
    # Centred in its area, keeping the aspect ratio: evidence must not be stretched.
    page.paste(
        fitted,
        (box[0] + (box[2] - box[0] - fitted.width) // 2, box[1] + (box[3] - box[1] - fitted.height) // 2),
    )
    template = DEFAULT_TSFORMAT if tsformat is None else tsformat
    stamp = clean_text(format_timestamp(template, as_utc(at))).replace("\n", " ")
    _text_block(page, tsplace or _DEFAULT_TS, stamp, round(min(size) * 0.026), color, shrink=True)
    if comment:
        _text_block(
            page,
            commentplace or _DEFAULT_COMMENT,
            clean_text(comment),
            round(min(size) * 0.019),
            color,
            shrink=False,
        )
    out = io.BytesIO()
    when = as_utc(at).utctimetuple()
    # Dates from the snapshot, not the wall clock, so the same export is byte-identical (and cacheable).
    page.save(
        out,
        "PDF",
        resolution=float(_PDF_DPI),
        title=clean_text(f"{camera_name} {clock_text(at)}", 200),
        creator="vms_desk simulator",
        creationDate=when,
        modDate=when,
    )
    return out.getvalue()
