"""Where each vendor tells its own time, for the clock check before an export.

Only VDG Sense documents one among the five (`GET /info`, no auth, `<utc>YYYY-MM-DD HH:MM:SS</utc>`,
API >= 2.6.1); every other vendor is measured by the HTTP `Date` header of a reply. The parser is
lenient: an /info without `<utc>` (older servers) falls back to the Date header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from vms_desk.core.models import Vendor


@dataclass(frozen=True)
class TimeSource:
    """A path that answers the server's time, how to read it, and its resolution in seconds."""

    path: str
    read: Callable[[str], datetime | None]
    resolution_s: float
    label: str


_UTC_TAG = re.compile(r"<utc>\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})\s*</utc>")


def _vdg_utc(body: str) -> datetime | None:
    found = _UTC_TAG.search(body)
    if not found:
        return None
    return datetime.fromisoformat(found.group(1).replace(" ", "T")).replace(tzinfo=UTC)


TIME_SOURCES: dict[Vendor, TimeSource] = {
    Vendor.VDG_SENSE: TimeSource("/info", _vdg_utc, 1.0, "GET /info <utc>"),
}
