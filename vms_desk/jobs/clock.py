"""Measure a server's clock against this workstation's before an export (manifest `clock`).

The vendor's own time source is read where there is one (vendors/time_sources.py); otherwise the
HTTP `Date` header of any reply from the server (even a 401 or 404 carries one). The offset is the
server's time minus the midpoint of the request on this workstation's clock; the resolution is the
source's own (1 s for both: `Date` has whole seconds) plus half the round trip. Any failure is a
reading with `method: unavailable` and the reason: the export goes ahead without it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from vms_desk.core.clock import ClockMethod, ClockReading
from vms_desk.core.models import ServerConfig
from vms_desk.vendors.time_sources import TIME_SOURCES

TIMEOUT_S = 10.0
DATE_RESOLUTION_S = 1.0


def _now() -> float:
    return time.time()


async def measure_clock(http: httpx.AsyncClient, server: ServerConfig) -> ClockReading:
    """The server's clock offset, from its time source or its Date header; never raises."""
    measured_at = datetime.now(UTC)
    base = server.url.rstrip("/")
    source = TIME_SOURCES.get(server.vendor)
    reason = ""
    try:
        if source is not None:
            before = _now()
            reply = await http.get(base + source.path, timeout=TIMEOUT_S)
            after = _now()
            told = source.read(reply.text) if reply.status_code == 200 else None
            if told is not None:
                half = (
                    source.resolution_s / 2
                )  # whole seconds, like Date: the true time is within the next one
                return _reading(
                    told, before - half, after - half, ClockMethod.VENDOR, resolution=half, label=source.label
                )
            reason = f"{source.label} gave no time"
        before = _now()
        reply = await http.get(base + "/", timeout=TIMEOUT_S)
        after = _now()
        header = reply.headers.get("date")
        if header:
            told = parsedate_to_datetime(header)
            if told.tzinfo is not None:
                # The header has whole seconds: its true time lies within the next second.
                return _reading(
                    told,
                    before - 0.5,
                    after - 0.5,
                    ClockMethod.HTTP_DATE,
                    resolution=DATE_RESOLUTION_S / 2,
                    label=f"HTTP Date header of GET {reply.url.path}",
                )
        reason = "; ".join(p for p in (reason, "the server's replies carry no usable Date header") if p)
    except httpx.HTTPError as exc:
        reason = f"the server did not answer the clock check ({type(exc).__name__})"
    except (ValueError, TypeError) as exc:
        reason = f"the server's time could not be read ({exc})"
    return ClockReading(
        server_offset_s=None,
        method=ClockMethod.UNAVAILABLE,
        resolution_s=None,
        measured_at=measured_at,
        reason=reason,
    )


def _reading(
    told: datetime, before: float, after: float, method: ClockMethod, *, resolution: float, label: str
) -> ClockReading:
    middle = (before + after) / 2
    offset = told.timestamp() - middle
    return ClockReading(
        server_offset_s=round(offset, 3),
        method=method,
        resolution_s=round(resolution + (after - before) / 2, 3),
        measured_at=datetime.fromtimestamp(middle, UTC),
        source=label,
    )
