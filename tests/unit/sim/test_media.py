"""Simulator media: decodable H.264 clips of the right length, masked/cropped JPEGs, A4 PDFs."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from PIL import Image

from vms_desk.sim.media import (
    clear_cache,
    render_blob,
    render_jpeg,
    render_pdf,
    render_still,
    render_video,
    render_video_bytes,
)
from vms_desk.sim.media_still import clock_text

AT = datetime(2026, 11, 20, 13, 5, 7, 200000, tzinfo=UTC)
# A rectangle in the middle-right of the frame, clear of the caption bars.
MASK = [[0.55, 0.3], [0.9, 0.3], [0.9, 0.7], [0.55, 0.7]]


def _decode(data: bytes) -> tuple[str, float, list[Image.Image], int, int]:
    """Codec name, container duration in seconds, decoded frames, width, height."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = [frame.to_image() for frame in container.decode(stream)]
        duration = (container.duration or 0) / 1_000_000
        return (
            stream.codec_context.name,
            duration,
            frames,
            stream.codec_context.width,
            stream.codec_context.height,
        )


@pytest.mark.parametrize("container", ["mp4", "mkv", "avi"])
def test_clip_is_h264_with_the_span_as_duration(container: str) -> None:
    data = render_video_bytes(
        camera_name="Gate", start=AT, end=AT + timedelta(seconds=7.5), container=container, fps=4
    )
    codec, duration, frames, width, height = _decode(data)
    assert codec == "h264"
    assert abs(duration - 7.5) < 1.0
    assert len(frames) == 30
    assert (width, height) == (320, 180)
    assert frames[0].size == (320, 180)
    # Motion and a running clock: the first and last pictures differ.
    assert frames[0].tobytes() != frames[-1].tobytes()


def test_container_formats_are_what_their_names_say() -> None:
    names = {}
    for container in ("mp4", "mkv", "avi"):
        data = render_video_bytes(
            camera_name="Gate", start=AT, end=AT + timedelta(seconds=1), container=container
        )
        with av.open(io.BytesIO(data)) as opened:
            names[container] = opened.format.name
    assert "mp4" in names["mp4"]
    assert "matroska" in names["mkv"]
    assert names["avi"] == "avi"


def test_frame_size_is_honoured_and_rounded_to_even() -> None:
    data = render_video_bytes(
        camera_name="Gate", start=AT, end=AT + timedelta(seconds=1), container="mkv", width=161, height=91
    )
    _, _, frames, width, height = _decode(data)
    assert (width, height) == (160, 90)
    assert len(frames) == 5


def test_render_video_writes_paths_and_streams_alike(tmp_path: Path) -> None:
    target = tmp_path / "clip.mp4"
    render_video(target, camera_name="Gate", start=AT, end=AT + timedelta(seconds=2), container="mp4")
    stream = io.BytesIO()
    render_video(stream, camera_name="Gate", start=AT, end=AT + timedelta(seconds=2), container="mp4")
    assert target.read_bytes() == stream.getvalue()
    assert target.read_bytes()[4:8] == b"ftyp"


def test_naive_times_are_utc_and_reversed_spans_are_refused() -> None:
    naive = AT.replace(tzinfo=None)
    assert render_video_bytes(
        camera_name="Gate", start=naive, end=naive + timedelta(seconds=1), container="avi"
    ) == render_video_bytes(camera_name="Gate", start=AT, end=AT + timedelta(seconds=1), container="avi")
    with pytest.raises(ValueError, match="before"):
        render_video_bytes(camera_name="Gate", start=AT, end=AT - timedelta(seconds=1), container="mp4")


def test_same_clip_twice_comes_from_the_cache() -> None:
    clear_cache()
    first = render_video_bytes(camera_name="Cached", start=AT, end=AT + timedelta(seconds=3), container="mkv")
    second = render_video_bytes(
        camera_name="Cached", start=AT, end=AT + timedelta(seconds=3), container="mkv"
    )
    assert first is second


def test_clock_text_shows_recorded_utc_time_with_milliseconds() -> None:
    assert clock_text(AT) == "2026-11-20 13:05:07.200 UTC"
    assert (
        clock_text(datetime(2026, 11, 20, 14, 5, 7, tzinfo=UTC).astimezone()) == "2026-11-20 14:05:07.000 UTC"
    )


def test_still_has_the_requested_size_and_depends_only_on_the_instant() -> None:
    still = render_still(camera_name="Lobby", at=AT, width=400, height=224)
    assert (still.size, still.mode) == ((400, 224), "RGB")
    assert still.tobytes() == render_still(camera_name="Lobby", at=AT, width=400, height=224).tobytes()
    later = render_still(camera_name="Lobby", at=AT + timedelta(seconds=1), width=400, height=224)
    assert still.tobytes() != later.tobytes()


def _jpeg(**options: object) -> Image.Image:
    image = Image.open(io.BytesIO(render_jpeg(camera_name="Lobby", at=AT, **options)))  # type: ignore[arg-type]
    assert image.format == "JPEG"
    return image.convert("RGB")


def _dark(pixel: tuple[int, ...]) -> bool:
    return max(pixel) < 20


def test_mask_polygon_is_filled_black_and_the_rest_is_not() -> None:
    image = _jpeg(maskspace=[MASK])
    width, height = image.size
    assert (width, height) == (640, 360)
    inside = [(0.6, 0.35), (0.72, 0.5), (0.85, 0.65)]
    assert all(_dark(image.getpixel((round(x * width), round(y * height)))) for x, y in inside)
    outside = [(0.2, 0.5), (0.4, 0.8), (0.95, 0.5)]
    assert not any(_dark(image.getpixel((round(x * width), round(y * height)))) for x, y in outside)
    unmasked = _jpeg()
    assert not _dark(unmasked.getpixel((round(0.72 * width), round(0.5 * height))))


def test_triangle_mask_uses_full_frame_coordinates_before_cropping() -> None:
    triangle = [[0.5, 0.3], [0.9, 0.3], [0.9, 0.7]]
    image = _jpeg(maskspace=[triangle], croparea=[[0.5, 0.0], [1.0, 1.0]])
    width, height = image.size
    assert (width, height) == (320, 360)
    # In the crop, full-frame x=0.85 is (0.85-0.5)/0.5 = 0.7; the triangle's upper-right part is black.
    assert _dark(image.getpixel((round(0.7 * width), round(0.4 * height))))
    # Below the diagonal (lower-left) is outside the triangle.
    assert not _dark(image.getpixel((round(0.15 * width), round(0.65 * height))))


@pytest.mark.parametrize(
    ("croparea", "size"),
    [
        ([[0.0, 0.0], [0.5, 0.5]], (320, 180)),
        ([[0.25, 0.1], [0.75, 0.6]], (320, 180)),
        ([[0.75, 0.6], [0.25, 0.1]], (320, 180)),
        ([[0.1, 0.0], [0.8, 0.9]], (448, 324)),
        ([[0.0, 0.0], [1.0, 1.0]], (640, 360)),
    ],
)
def test_croparea_scales_the_output(croparea: list[list[float]], size: tuple[int, int]) -> None:
    assert _jpeg(croparea=croparea).size == size


def test_timestamp_and_comment_are_drawn_in_the_requested_colour() -> None:
    def green(image: Image.Image) -> int:
        raw = image.tobytes()
        return sum(1 for i in range(0, len(raw), 3) if raw[i + 1] > 200 and raw[i] < 90 and raw[i + 2] < 90)

    plain = _jpeg(color="#00FF00")
    stamped = _jpeg(tsformat="%d.%m.%Y %H:%M:%S", color="#00FF00")
    commented = _jpeg(tsformat="%T", color="#00FF00", comment="Case 42\nsecond line")
    assert green(plain) == 0
    assert green(stamped) > 200
    assert green(commented) > green(_jpeg(tsformat="%T", color="#00FF00"))


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="colour"):
        render_jpeg(camera_name="Lobby", at=AT, color="red")
    with pytest.raises(ValueError, match="x1"):
        render_jpeg(camera_name="Lobby", at=AT, croparea=[[0.1, 0.2]])
    with pytest.raises(ValueError, match="finite"):
        render_jpeg(camera_name="Lobby", at=AT, maskspace=[[[0.1, float("nan")], [0.2, 0.2], [0.3, 0.1]]])
    with pytest.raises(ValueError, match="layout"):
        render_pdf(camera_name="Lobby", at=AT, layout=2)


def test_hostile_text_is_drawn_not_raised() -> None:
    data = render_jpeg(
        camera_name="\ud800\x00cam" * 500, at=AT, tsformat="%Q\ud800" * 3000, comment="\x1b[31m" * 999
    )
    assert data.startswith(b"\xff\xd8")


def _pdftoppm(pdf: bytes, tmp_path: Path) -> Image.Image:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler) is not installed")
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-singlefile", str(source), str(tmp_path / "page")], check=True
    )
    return Image.open(tmp_path / "page.png").convert("RGB")


def test_pdf_is_a_portrait_a4_page_by_default(tmp_path: Path) -> None:
    pdf = render_pdf(camera_name="Lobby", at=AT, maskspace=[MASK], comment="Case 42", tsformat="%T")
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox" in pdf
    page = _pdftoppm(pdf, tmp_path)
    width, height = page.size
    assert height > width
    assert abs(height / width - 297 / 210) < 0.02


def test_pdf_landscape_and_snapshot_place(tmp_path: Path) -> None:
    pdf = render_pdf(
        camera_name="Lobby",
        at=AT,
        layout=1,
        snapshotplace=[[0.0, 0.5], [1.0, 1.0]],
        tsplace=[[0.0, 0.0], [0.5, 0.1]],
        commentplace=[[0.0, 0.2], [0.5, 0.3]],
        comment="Bottom half holds the picture",
    )
    page = _pdftoppm(pdf, tmp_path)
    width, height = page.size
    assert width > height
    # The upper right quarter is empty page; the picture fills the middle of the bottom half.
    # (The page is a JPEG inside the PDF, so "white" is 250 or more.)
    assert min(page.getpixel((round(width * 0.8), round(height * 0.25)))) > 250
    assert min(page.getpixel((width // 2, round(height * 0.75)))) < 200


def test_pdf_is_deterministic_and_cached() -> None:
    clear_cache()
    first = render_pdf(camera_name="Lobby", at=AT, comment="x")
    clear_cache()
    assert render_pdf(camera_name="Lobby", at=AT, comment="x") == first
    assert render_pdf(camera_name="Lobby", at=AT, comment="x") is render_pdf(
        camera_name="Lobby", at=AT, comment="x"
    )


def test_blob_is_deterministic_sized_and_range_consistent() -> None:
    size = 3 * 1024 * 1024 + 5
    whole = b"".join(render_blob(size, seed=7))
    assert len(whole) == size
    assert hashlib.sha256(whole).digest() == hashlib.sha256(b"".join(render_blob(size, seed=7))).digest()
    assert whole != b"".join(render_blob(size, seed=8))
    start, end = 1024 * 1024 - 3, 2 * 1024 * 1024 + 11
    assert b"".join(render_blob(size, seed=7, start=start, end=end)) == whole[start:end]
    assert b"".join(render_blob(size, seed=7, start=size - 2)) == whole[-2:]
    # Every MiB differs, so a repeated chunk would show in a checksum.
    assert whole[: 1024 * 1024] != whole[1024 * 1024 : 2 * 1024 * 1024]
