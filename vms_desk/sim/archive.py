"""The simulated recording archive: cameras that recorded for 7 days before start-up, with gaps."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ARCHIVE_DAYS = 7
CAMERA_NAMES = ("Entrance", "Parking Lot", "Cash Desk 1", "Loading Bay", "Corridor East")


@dataclass(frozen=True)
class SimCamera:
    """A simulated camera: index (1-based), display name and whether the user may export it."""

    index: int
    name: str
    exportable: bool = True


@dataclass
class Archive:
    """Continuous recording from `begin` to now, except a few deterministic gaps per camera."""

    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    cameras: tuple[SimCamera, ...] = tuple(SimCamera(i + 1, n) for i, n in enumerate(CAMERA_NAMES[:4]))
    gaps_per_camera: int = 4

    @property
    def begin(self) -> datetime:
        """When recording began for every camera."""
        return self.started - timedelta(days=ARCHIVE_DAYS)

    def camera(self, index: int) -> SimCamera | None:
        """The camera with this 1-based index, or None."""
        return next((c for c in self.cameras if c.index == index), None)

    def gaps(self, index: int) -> list[tuple[datetime, datetime]]:
        """Deterministic gaps for one camera, none in the last hour (so recent exports always work)."""
        rng = random.Random(index * 7919)
        gaps: list[tuple[datetime, datetime]] = []
        usable = (ARCHIVE_DAYS * 24 - 2) * 3600
        for _ in range(self.gaps_per_camera):
            offset = timedelta(seconds=rng.randrange(0, usable))
            length = timedelta(minutes=rng.randrange(10, 120))
            gaps.append((self.begin + offset, self.begin + offset + length))
        gaps.sort()
        merged: list[tuple[datetime, datetime]] = []
        for start, end in gaps:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def spans(
        self, index: int, start: datetime, end: datetime, now: datetime | None = None
    ) -> list[tuple[datetime, datetime]]:
        """Recorded spans of a camera clipped to [start, end]; recording goes on until `now`."""
        stop = now or datetime.now(UTC)
        result: list[tuple[datetime, datetime]] = []
        cursor = self.begin
        for gap_start, gap_end in [*self.gaps(index), (stop, stop)]:
            lo, hi = max(cursor, start), min(gap_start, end)
            if lo < hi:
                result.append((lo, hi))
            cursor = gap_end
        return result

    def recorded(self, index: int, start: datetime, end: datetime) -> bool:
        """True when any part of [start, end] (or the instant start) was recorded."""
        if start == end:
            return any(s <= start <= e for s, e in self.spans(index, self.begin, datetime.now(UTC)))
        return bool(self.spans(index, start, end))
