"""Render Axxon One "tsformat" timestamp templates (boost date_time IO flags).

Axxon One documents the export ``tsformat`` option as a boost date_time format string. We implement
the flags ourselves instead of calling ``strftime``: on Windows ``strftime`` is locale-dependent and
raises (or aborts in the C runtime) on unknown flags, and user text must never crash an export.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

__all__ = ["DEFAULT_TSFORMAT", "format_timestamp"]

# boost::posix_time's default output format, which Axxon One uses when no template is given.
DEFAULT_TSFORMAT = "%Y-%b-%d %H:%M:%S"

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Composite flags expand to other flags; boost (and C) define them in terms of the simple ones.
_COMPOSITES = {
    "T": "%H:%M:%S",
    "D": "%m/%d/%y",
    "R": "%H:%M",
    "r": "%I:%M:%S %p",
    "c": "%a %b %e %H:%M:%S %Y",
    "x": "%m/%d/%y",
    "X": "%H:%M:%S",
}


def _offset(when: datetime) -> str:
    """Numeric UTC offset as +HHMM (seconds appended only when present), empty for naive times."""
    delta = when.utcoffset()
    if delta is None:
        return ""
    sign = "-" if delta < timedelta(0) else "+"
    total = abs(delta)
    seconds = total.days * 86400 + total.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}{minutes:02d}"
    if secs or total.microseconds:
        text += f"{secs:02d}"
    return text


def _zone(when: datetime) -> str:
    """Time-zone abbreviation, empty for naive times or zones without a name."""
    try:
        name = when.tzname()
    except Exception:  # a broken third-party tzinfo must not break a user-visible caption
        return ""
    return name or ""


def _week_of_year(when: datetime, first_weekday: int) -> int:
    """Week number where weeks start on ``first_weekday`` (0=Monday, 6=Sunday); days before are week 0."""
    yday = when.timetuple().tm_yday - 1
    weekday = (when.weekday() - first_weekday) % 7
    return (yday + 7 - weekday) // 7


_SIMPLE: dict[str, Callable[[datetime], str]] = {
    "Y": lambda w: f"{w.year:04d}",
    "y": lambda w: f"{w.year % 100:02d}",
    "C": lambda w: f"{w.year // 100:02d}",
    "m": lambda w: f"{w.month:02d}",
    "b": lambda w: _MONTHS[w.month - 1][:3],
    "h": lambda w: _MONTHS[w.month - 1][:3],
    "B": lambda w: _MONTHS[w.month - 1],
    "d": lambda w: f"{w.day:02d}",
    "e": lambda w: f"{w.day:2d}",
    "j": lambda w: f"{w.timetuple().tm_yday:03d}",
    "H": lambda w: f"{w.hour:02d}",
    "I": lambda w: f"{(w.hour % 12) or 12:02d}",
    "p": lambda w: "AM" if w.hour < 12 else "PM",
    "M": lambda w: f"{w.minute:02d}",
    "S": lambda w: f"{w.second:02d}",
    "f": lambda w: f"{w.microsecond:06d}",
    # boost prints the fraction (with its separator) only when there is one.
    "F": lambda w: f".{w.microsecond:06d}" if w.microsecond else "",
    "s": lambda w: f"{w.second:02d}.{w.microsecond:06d}",
    "a": lambda w: _DAYS[w.weekday()][:3],
    "A": lambda w: _DAYS[w.weekday()],
    "u": lambda w: str(w.isoweekday()),
    "w": lambda w: str(w.isoweekday() % 7),
    "U": lambda w: f"{_week_of_year(w, 6):02d}",
    "W": lambda w: f"{_week_of_year(w, 0):02d}",
    "V": lambda w: f"{w.isocalendar()[1]:02d}",
    "G": lambda w: f"{w.isocalendar()[0]:04d}",
    "g": lambda w: f"{w.isocalendar()[0] % 100:02d}",
    "z": _offset,
    "Z": _zone,
    "n": lambda w: "\n",
    "t": lambda w: "\t",
    "%": lambda w: "%",
}


def _expand(template: str, when: datetime, depth: int) -> str:
    """Expand ``template``; ``depth`` bounds composite recursion (composites only nest one level)."""
    out: list[str] = []
    i = 0
    length = len(template)
    while i < length:
        char = template[i]
        if char != "%" or i + 1 >= length:
            # Plain text, or a trailing lone "%", which boost leaves as is.
            out.append(char)
            i += 1
            continue
        flag = template[i + 1]
        i += 2
        composite = _COMPOSITES.get(flag)
        if composite is not None and depth < 1:
            out.append(_expand(composite, when, depth + 1))
            continue
        render = _SIMPLE.get(flag)
        # Unknown flags are kept verbatim so a typo in a template is visible instead of silently lost.
        out.append(render(when) if render is not None else "%" + flag)
    return "".join(out)


def format_timestamp(template: str, when: datetime) -> str:
    """Render an Axxon One / boost date_time ``template`` for ``when``; never raises."""
    return _expand(template, when, 0)
