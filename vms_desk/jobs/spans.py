"""What span the server reports it exported (e.g. Axis' key-frame start), from a finished export."""

from __future__ import annotations

from vms_desk.core.models import TimeSpan
from vms_desk.core.protocol import ExportStatus


def actual_span(status: ExportStatus) -> TimeSpan | None:
    """The status' own span, else the union of its files' spans, else None (the server did not say)."""
    if status.actual_span is not None:
        return status.actual_span
    spans = [f.actual_span for f in status.files if f.actual_span is not None]
    if not spans:
        return None
    return TimeSpan(start=min(s.start for s in spans), end=max(s.end for s in spans))
