"""An export request and the rules it must satisfy before any server is contacted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from vms_desk.core.errors import InputError
from vms_desk.core.models import TimeSpan
from vms_desk.core.options import Capabilities, JsonValue, validate_options

# Longer spans are almost always a typo (a wrong year); a professional export is split by day anyway.
MAX_SPAN = timedelta(days=31)
# Tolerance for clock skew between workstation and server when judging "in the future".
FUTURE_TOLERANCE = timedelta(seconds=5)


class ExportRequest(BaseModel):
    """One camera, one span, one format with the vendor's own options."""

    model_config = ConfigDict(frozen=True)

    camera_id: str
    span: TimeSpan
    format: str
    options: dict[str, JsonValue] = {}


def check_span(span: TimeSpan, *, frame: bool, now: datetime) -> None:
    """Refuse spans a server could not honour: empty video spans, the future, years."""
    if not frame and span.start == span.end:
        raise InputError("The start and end are the same instant: pick an end after the start.")
    if span.start > now + FUTURE_TOLERANCE:
        raise InputError(
            f"The start ({span.start:%Y-%m-%d %H:%M:%S} UTC) is in the future: nothing is recorded yet."
        )
    if span.end > now + FUTURE_TOLERANCE:
        raise InputError(
            f"The end ({span.end:%Y-%m-%d %H:%M:%S} UTC) is in the future: pick an end before now."
        )
    if span.duration > MAX_SPAN:
        days = span.duration.days
        raise InputError(
            f"The span is {days} days long; at most {MAX_SPAN.days} days can be exported at once. "
            "Check the dates, or split the export."
        )


def build_request(
    caps: Capabilities,
    *,
    camera_id: str,
    span: TimeSpan,
    fmt: str,
    options: Mapping[str, JsonValue],
    now: datetime,
) -> ExportRequest:
    """A validated ExportRequest, or InputError with the first problem found."""
    if not camera_id.strip():
        raise InputError("No camera was given: name one with its id (see `vms-desk cameras`).")
    spec = caps.format(fmt)
    check_span(span, frame=spec.frame, now=now)
    clean = validate_options(caps, fmt, options)
    return ExportRequest(camera_id=camera_id, span=span, format=fmt, options=clean)
