"""Real media for the built-in vendor simulators: H.264 clips, JPEG and PDF snapshots, large test bodies.

This module is the import surface; drawing lives in ``media_still`` and encoding in ``media_video``.
Finished files are kept in a small byte-bounded LRU so the same export asked twice is not re-encoded.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from vms_desk.sim.media_still import (
    as_utc,
    draw_frame,
    jpeg_bytes,
    normalise_polygons,
    normalise_rect,
    parse_color,
    pdf_bytes,
)
from vms_desk.sim.media_video import Container, encode_video

__all__ = [
    "CACHE_MAX_BYTES",
    "Container",
    "clear_cache",
    "render_blob",
    "render_jpeg",
    "render_pdf",
    "render_still",
    "render_video",
    "render_video_bytes",
]

CACHE_MAX_BYTES = 64 * 1024 * 1024
_BLOB_BLOCK = 1024 * 1024

Area = Sequence[Sequence[float]]


class _ByteLRU:
    """Least-recently-used map of finished files, bounded by their total size; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        """Cached bytes for ``key``, producing them with ``make`` on a miss."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        # Encoding happens outside the lock: simulators serve several requests at once, and a
        # rare duplicate encode of the same key is cheaper than serialising all of them.
        data = make()
        if len(data) > self._max_bytes:
            return data
        with self._lock:
            if key not in self._items:
                self._items[key] = data
                self._total += len(data)
            while self._total > self._max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._total -= len(evicted)
        return data

    def clear(self) -> None:
        """Drop everything."""
        with self._lock:
            self._items.clear()
            self._total = 0


_cache = _ByteLRU(CACHE_MAX_BYTES)


def clear_cache() -> None:
    """Forget every cached clip and snapshot (tests use it to measure real encodes)."""
    _cache.clear()


def render_video_bytes(
    *,
    camera_name: str,
    start: datetime,
    end: datetime,
    container: Container,
    width: int = 320,
    height: int = 180,
    fps: int = 5,
) -> bytes:
    """The H.264 clip for [start, end) as a complete file, from the cache when possible."""
    key = ("video", camera_name, as_utc(start), as_utc(end), container, width, height, fps)
    return _cache.get_or_make(
        key,
        lambda: encode_video(
            camera_name=camera_name,
            start=start,
            end=end,
            container=container,
            width=width,
            height=height,
            fps=fps,
        ),
    )


def render_video(
    out: BinaryIO | Path,
    *,
    camera_name: str,
    start: datetime,
    end: datetime,
    container: Container,
    width: int = 320,
    height: int = 180,
    fps: int = 5,
) -> None:
    """Write an H.264 clip of ``camera_name`` with its recorded UTC time burnt into every frame."""
    data = render_video_bytes(
        camera_name=camera_name,
        start=start,
        end=end,
        container=container,
        width=width,
        height=height,
        fps=fps,
    )
    if isinstance(out, Path):
        out.write_bytes(data)
    else:
        out.write(data)


def render_still(*, camera_name: str, at: datetime, width: int = 640, height: int = 360) -> Image.Image:
    """One camera frame at the recorded instant ``at``, looking like the video frames."""
    return draw_frame(camera_name, at, width, height)


def render_jpeg(
    *,
    camera_name: str,
    at: datetime,
    croparea: Area | None = None,
    maskspace: Sequence[Area] | None = None,
    tsformat: str | None = None,
    color: str | None = None,
    comment: str | None = None,
    width: int = 640,
    height: int = 360,
) -> bytes:
    """A JPEG snapshot honouring Axxon One's croparea, maskspace, tsformat, color and comment options."""
    crop = normalise_rect(croparea)
    masks = normalise_polygons(maskspace)
    rgb = parse_color(color, (255, 255, 255))
    key = ("jpeg", camera_name, as_utc(at), crop, masks, tsformat, rgb, comment, width, height)
    return _cache.get_or_make(
        key,
        lambda: jpeg_bytes(
            camera_name=camera_name,
            at=at,
            croparea=crop,
            maskspace=masks,
            tsformat=tsformat,
            color=rgb,
            comment=comment,
            width=width,
            height=height,
        ),
    )


def render_pdf(
    *,
    camera_name: str,
    at: datetime,
    croparea: Area | None = None,
    maskspace: Sequence[Area] | None = None,
    tsformat: str | None = None,
    color: str | None = None,
    comment: str | None = None,
    snapshotplace: Area | None = None,
    commentplace: Area | None = None,
    tsplace: Area | None = None,
    layout: int = 0,
) -> bytes:
    """A one-page A4 PDF (layout 0 portrait, 1 landscape) with the snapshot, timestamp and comment."""
    crop = normalise_rect(croparea)
    masks = normalise_polygons(maskspace)
    # The text sits on a white page here, so the default ink is black rather than the JPEG's white.
    rgb = parse_color(color, (0, 0, 0))
    places = normalise_rect(snapshotplace), normalise_rect(commentplace), normalise_rect(tsplace)
    key = ("pdf", camera_name, as_utc(at), crop, masks, tsformat, rgb, comment, places, layout)
    return _cache.get_or_make(
        key,
        lambda: pdf_bytes(
            camera_name=camera_name,
            at=at,
            croparea=crop,
            maskspace=masks,
            tsformat=tsformat,
            color=rgb,
            comment=comment,
            snapshotplace=places[0],
            commentplace=places[1],
            tsplace=places[2],
            layout=layout,
        ),
    )


@lru_cache(maxsize=4)
def _blob_base(seed: int) -> bytes:
    """One pseudo-random block per seed; every block of a blob is this with its index stamped in front."""
    return random.Random(seed).randbytes(_BLOB_BLOCK)


def render_blob(size: int, seed: int, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Yield bytes [start, end) of a deterministic ``size``-byte body, in chunks of at most 1 MiB."""
    stop = size if end is None else min(end, size)
    base = _blob_base(seed)
    position = max(0, start)
    while position < stop:
        block, offset = divmod(position, _BLOB_BLOCK)
        # The block index makes every MiB distinct: a download that repeats or skips one fails its hash.
        data = block.to_bytes(8, "big") + base[8:]
        piece = data[offset : min(_BLOB_BLOCK, offset + stop - position)]
        yield piece
        position += len(piece)
