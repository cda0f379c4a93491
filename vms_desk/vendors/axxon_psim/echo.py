"""What the PSIM status says about the exported span, read without ever shifting the evidence span.

The document echoes `2016-06-27T15:10:00.000+03:00` for a request of `15:10:00.00Z` (docs/vendors/
axxon-psim.md, point 12). Read literally, `+03:00` makes that 12:10Z, three hours before what was asked.
The likelier reading is a server that formats its UTC time with the machine's local offset attached
(what .NET's `zzz` specifier does for any DateTime): the clock reading is UTC and the offset is a
label. vms_desk cannot tell the two apart without a real server, so:

- the server's own words and the instant they literally denote are always kept (in the status message,
  which the job records as an event and so in the manifest);
- the actual span is set only when the echo confirms the request: same instant, or the same clock
  reading under another offset label (then the requested UTC span, never the shifted one);
- an echo that names another span is reported in words, and the actual span is left unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.models import TimeSpan
from vms_desk.core.times import from_iso
from vms_desk.vendors.axxon_psim.wire import VENDOR

TOLERANCE = timedelta(seconds=1)  # the echo has milliseconds; the request hundredths


@dataclass(frozen=True)
class Echo:
    """The span the server reports: its words, their literal UTC instants, and what vms_desk makes of it."""

    text: str  # the server's own words, verbatim
    literal: TimeSpan | None  # the instants the words denote when the offset is taken at its word
    actual: TimeSpan | None  # the span vms_desk records as exported (never a shifted one)
    note: str  # one sentence for the job's events and manifest


def _wall(value: str) -> datetime | None:
    """The clock reading of an ISO time with its offset dropped (read as UTC)."""
    try:
        return from_iso(value[:23] if len(value) > 19 else value, VENDOR)
    except VmsDeskError:
        return None


def iso_utc(value: datetime) -> str:
    """An instant as ISO 8601 UTC with a Z."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _close(a: datetime, b: datetime) -> bool:
    return abs(a - b) <= TOLERANCE


def read_echo(start: str | None, end: str | None, requested: TimeSpan | None) -> Echo | None:
    """The Echo of a status's `From`/`To`, judged against the requested span; None without an echo."""
    if not start or not end:
        return None
    text = f"From {start!r} To {end!r}"
    try:
        literal: TimeSpan | None = TimeSpan(start=from_iso(start, VENDOR), end=from_iso(end, VENDOR))
    except (VmsDeskError, ValueError):
        literal = None
    shown = f"{iso_utc(literal.start)} to {iso_utc(literal.end)}" if literal else "unreadable"
    said = f"{VENDOR} reported the exported span as {text} (taken literally, {shown} UTC)"
    if requested is None or literal is None:
        return Echo(text, literal, None, f"{said}; vms_desk keeps the requested span.")
    if _close(literal.start, requested.start) and _close(literal.end, requested.end):
        return Echo(text, literal, literal, f"{said}, which is the requested span.")
    wall_start, wall_end = _wall(start), _wall(end)
    if (
        wall_start is not None
        and wall_end is not None
        and _close(wall_start, requested.start)
        and _close(wall_end, requested.end)
    ):
        note = (
            f"{said}. Its clock reading is the requested UTC span with the server's local offset attached, "
            "so vms_desk records the requested span as exported and does not shift it; check the time "
            "stamps in the video if this matters."
        )
        return Echo(text, literal, requested, note)
    note = f"{said}, which is not the requested span; vms_desk records the requested span only."
    return Echo(text, literal, None, note)
