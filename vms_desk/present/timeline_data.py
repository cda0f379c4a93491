"""Recorded spans of one timeline row, indexed so that painting touches only what is visible.

Spans are kept as two sorted, disjoint lists of epoch seconds (starts, ends), so the visible window is
found with two bisects. Zoomed out, 100,000 spans may all be visible but most are closer together than a
pixel: coarser "levels" merge gaps shorter than 2**k seconds, and the painter picks the coarsest level
whose merged gaps are still sub-pixel, so it never loops over more than about two spans per pixel.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress
from operator import ge, le, sub
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vms_desk.core.models import Recordings


# Level k merges gaps shorter than 2**k seconds; 2**21 s is about 24 days, beyond the widest view.
_MAX_LEVEL = 21


def _normalise(pairs: Iterable[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Sorted, disjoint [start, end] lists: vendors may report overlapping or unsorted spans."""
    items = [(s, e) for s, e in pairs if e >= s]
    starts = [s for s, _ in items]
    if not all(map(le, starts, starts[1:])):
        items.sort()
    merged_starts: list[float] = []
    merged_ends: list[float] = []
    for start, end in items:
        if merged_ends and start <= merged_ends[-1]:
            merged_ends[-1] = max(merged_ends[-1], end)
        else:
            merged_starts.append(start)
            merged_ends.append(end)
    return merged_starts, merged_ends


def _merge_gaps(starts: list[float], ends: list[float], threshold: float) -> tuple[list[float], list[float]]:
    """The same spans with every gap shorter than `threshold` closed (C-speed: compress, not a loop)."""
    gaps = list(map(sub, starts[1:], ends[:-1]))
    keep = list(map(ge, gaps, [threshold] * len(gaps)))
    new_starts = [starts[0], *compress(starts[1:], keep)] if starts else []
    new_ends = [*compress(ends[:-1], keep), ends[-1]] if ends else []
    return new_starts, new_ends


class SpanIndex:
    """Disjoint recorded spans (epoch seconds) with coarser merged levels for wide views."""

    def __init__(self, pairs: Iterable[tuple[float, float]]) -> None:
        starts, ends = _normalise(pairs)
        self._levels: list[tuple[list[float], list[float]]] = [(starts, ends)]
        sorted_gaps = sorted(map(sub, starts[1:], ends[:-1]))
        for k in range(_MAX_LEVEL + 1):
            previous = self._levels[-1]
            # No gap below the threshold: this level is the previous one, shared, at no cost.
            if bisect_left(sorted_gaps, 2.0**k) == 0 or len(previous[0]) <= 1:
                self._levels.append(previous)
            else:
                self._levels.append(_merge_gaps(*previous, 2.0**k))
                sorted_gaps = sorted_gaps[bisect_left(sorted_gaps, 2.0**k) :]

    def __len__(self) -> int:
        return len(self._levels[0][0])

    @property
    def extent(self) -> tuple[float, float] | None:
        """(first start, last end), or None when there is nothing."""
        starts, ends = self._levels[0]
        return (starts[0], ends[-1]) if starts else None

    def level_for(self, seconds_per_pixel: float) -> tuple[list[float], list[float]]:
        """The coarsest level whose merged gaps are all narrower than one pixel."""
        k = 0
        while k < _MAX_LEVEL and 2.0 ** (k + 1) <= seconds_per_pixel:
            k += 1
        # _levels[0] is exact; _levels[k + 1] merges gaps < 2**k, used only once 2**k <= spp.
        return self._levels[k + 1] if seconds_per_pixel >= 1.0 else self._levels[0]

    def visible_range(
        self, t0: float, t1: float, seconds_per_pixel: float
    ) -> tuple[list[float], list[float], int, int]:
        """(starts, ends, i, j): spans i..j-1 of the chosen level intersect [t0, t1]."""
        starts, ends = self.level_for(seconds_per_pixel)
        return starts, ends, bisect_right(ends, t0), bisect_left(starts, t1)

    def pixel_runs(self, t0: float, t1: float, seconds_per_pixel: float) -> Iterator[tuple[float, float]]:
        """Visible spans as (x0, x1) pixel offsets from t0, runs closer than a pixel merged into one."""
        starts, ends, i, j = self.visible_range(t0, t1, seconds_per_pixel)
        if i >= j:
            return
        scale = 1.0 / seconds_per_pixel
        limit = (t1 - t0) * scale
        run_start = max(0.0, (starts[i] - t0) * scale)
        run_end = (ends[i] - t0) * scale
        for k in range(i + 1, j):
            x0 = (starts[k] - t0) * scale
            if x0 - run_end < 1.0:
                run_end = (ends[k] - t0) * scale
                continue
            yield run_start, max(run_end, run_start + 1.0)
            run_start, run_end = x0, (ends[k] - t0) * scale
        yield run_start, max(min(run_end, limit), run_start + 1.0)

    def covers(self, t: float) -> bool:
        """True when the instant t is inside a recorded span."""
        starts, ends = self._levels[0]
        i = bisect_right(starts, t) - 1
        return i >= 0 and t <= ends[i]


@dataclass
class TimelineRow:
    """One camera row: its label and what is recorded (None while loading)."""

    label: str
    recordings: Recordings | None
    index: SpanIndex = field(init=False)

    def __post_init__(self) -> None:
        spans = self.recordings.spans if self.recordings is not None else ()
        self.index = SpanIndex((s.start.timestamp(), s.end.timestamp()) for s in spans)

    @property
    def known(self) -> bool:
        """False when the vendor cannot tell what is recorded."""
        return self.recordings is None or self.recordings.known

    @property
    def loading(self) -> bool:
        """True until the recordings arrive."""
        return self.recordings is None
