"""Axxon One export states (0-6) as core ExportStatus, with a plain-language meaning for each failure."""

from __future__ import annotations

from vms_desk.core.models import TimeSpan
from vms_desk.core.protocol import ExportPhase, ExportStatus, RemoteFile
from vms_desk.vendors.axxon_one.wire import LABEL, ExportStatusReply, span_in_name

# Documented: 0 not performed (yet), 1 in progress, 2 complete, 3 error, 4 not enough space,
# 5 a file with that name exists, 6 no data. 0 and 1 count as running (VENDOR-NOTES, Decisions).
RUNNING_STATES = frozenset({0, 1})
DONE_STATE = 2
MEANINGS = {
    4: f"{LABEL} ran out of disk space while exporting. Free space on the server, then retry the export.",
    5: (
        f"{LABEL} already has an export file with the same name. Retry the export; if it happens again, "
        "remove old exports on the server."
    ),
    6: f"{LABEL} has no recording to export in this span. Pick a span inside the recorded intervals.",
}


def _progress(value: float) -> float:
    # Documented as 0..1; a server sending a percentage is tolerated (a choice: values above 1 are /100).
    if value > 1.0001:
        value /= 100.0
    return min(1.0, max(0.0, value))


def _meaning(state: int, vendor_text: str) -> str:
    if state == 3:
        said = f": {vendor_text.rstrip('.')}" if vendor_text else ""
        return f"{LABEL} could not make the export{said}. Try again, or pick another span."
    if state in MEANINGS:
        return MEANINGS[state]
    # A choice: an undocumented state is treated as a failure so a job never waits on it forever.
    return f"{LABEL} reported an export state vms_desk does not know ({state}). Try the export again."


def to_status(reply: ExportStatusReply) -> ExportStatus:
    """The core status for one /export/{id}/status reply."""
    if reply.state in RUNNING_STATES:
        return ExportStatus(phase=ExportPhase.RUNNING, progress=_progress(reply.progress))
    if reply.state == DONE_STATE:
        if not reply.files:
            return ExportStatus(
                phase=ExportPhase.FAILED,
                error=f"{LABEL} finished the export but named no file to download. Try the export again.",
                vendor_error=reply.error,
                vendor_code=str(reply.state),
            )
        # `locator` keeps the exact name from `files`: it is what /export/{id}/file?name= wants.
        files = tuple(RemoteFile(name=n, locator=n, actual_span=span_in_name(n)) for n in reply.files)
        spans = [f.actual_span for f in files if f.actual_span is not None]
        actual = (
            TimeSpan(start=min(s.start for s in spans), end=max(s.end for s in spans))
            if spans and len(spans) == len(files)
            else None
        )
        return ExportStatus(phase=ExportPhase.DONE, progress=1.0, files=files, actual_span=actual)
    return ExportStatus(
        phase=ExportPhase.FAILED,
        progress=_progress(reply.progress),
        error=_meaning(reply.state, reply.error),
        vendor_error=reply.error,
        vendor_code=str(reply.state),
    )
