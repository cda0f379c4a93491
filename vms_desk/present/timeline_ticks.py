"""Tick positions and labels for the timeline ruler, in workstation local time (Qt-free, testable alone)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, tzinfo

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
# "Nice" label steps, from a second to a week; the ruler uses the first one at least MIN_LABEL_PX wide.
STEPS = (
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0,
    MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
    DAY, 2 * DAY, 7 * DAY,
)  # fmt: skip
MIN_LABEL_PX = 70.0
MIN_MINOR_PX = 7.0


def choose_step(seconds_per_pixel: float, min_px: float = MIN_LABEL_PX) -> float:
    """The smallest nice step whose ticks are at least `min_px` apart."""
    for step in STEPS:
        if step / seconds_per_pixel >= min_px:
            return step
    return STEPS[-1]


def minor_step(step: float, seconds_per_pixel: float) -> float | None:
    """A finer unlabelled step that divides `step`, or None when it would be too dense."""
    for candidate in reversed(STEPS):
        dense_enough = candidate / seconds_per_pixel >= MIN_MINOR_PX and step / candidate <= 12
        if candidate < step and step % candidate == 0 and dense_enough:
            return candidate
    return None


def _offset(t: float, zone: tzinfo) -> float:
    off = datetime.fromtimestamp(t, UTC).astimezone(zone).utcoffset()
    return off.total_seconds() if off is not None else 0.0


def _local_midnight(day: datetime, zone: tzinfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def ticks(t0: float, t1: float, step: float, zone: tzinfo) -> list[float]:
    """Instants in [t0, t1] on round local times of `step` (local midnights for day steps)."""
    result: list[float] = []
    if step >= DAY:
        days = int(step // DAY)
        day = datetime.fromtimestamp(t0, zone).replace(hour=0, minute=0, second=0, microsecond=0)
        # Align multi-day steps on a fixed epoch day so ticks do not jump while panning.
        ordinal = day.toordinal()
        day -= timedelta(days=ordinal % days)
        while True:
            t = _local_midnight(day, zone)
            if t > t1:
                return result
            if t >= t0:
                result.append(t)
            day += timedelta(days=days)
    t = t0
    while len(result) < 10_000:
        # Re-align on every tick with the offset in force there, so ticks stay on round local times
        # across a daylight-saving change inside the view.
        off = _offset(t, zone)
        aligned = math.ceil((t + off) / step - 1e-9) * step - off
        if aligned > t1:
            break
        result.append(aligned)
        t = aligned + step
    return result


def tick_label(t: float, step: float, zone: tzinfo) -> str:
    """The label of a tick: seconds only where the step needs them, the date for day steps."""
    local = datetime.fromtimestamp(t, zone)
    if step >= DAY:
        return local.strftime("%a %d %b")
    if step >= MINUTE:
        return local.strftime("%H:%M")
    return local.strftime("%H:%M:%S")


def context_marks(t0: float, t1: float, step: float, zone: tzinfo) -> list[tuple[float, str]]:
    """The upper ruler line: the day (or month for day steps) at each boundary and at the left edge."""
    marks: list[tuple[float, str]] = []
    if step >= DAY:
        local = datetime.fromtimestamp(t0, zone)
        marks.append((t0, local.strftime("%B %Y")))
        month = datetime(local.year, local.month, 1, tzinfo=zone)
        while True:
            month = (month + timedelta(days=32)).replace(day=1)
            t = datetime(month.year, month.month, 1, tzinfo=zone).timestamp()
            if t > t1:
                return marks
            marks.append((t, month.strftime("%B %Y")))
    marks.append((t0, datetime.fromtimestamp(t0, zone).strftime("%a %d %b %Y")))
    for t in ticks(t0, t1, DAY, zone):
        if t > t0:
            marks.append((t, datetime.fromtimestamp(t, zone).strftime("%a %d %b %Y")))
    return marks


def format_duration(seconds: float) -> str:
    """A span length for people: '45 s', '12 min 05 s', '3 h 02 min', '2 d 04 h'."""
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
