"""Job figures as words people read: states, byte counts, durations and spans in local time."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from vms_desk.core.jobstate import JobState

if TYPE_CHECKING:
    from vms_desk.core.models import TimeSpan
    from vms_desk.jobs.records import JobRecord

_STATE_WORD = {
    JobState.QUEUED: "Queued",
    JobState.SUBMITTING: "Submitting",
    JobState.PROCESSING: "Processing",
    JobState.DOWNLOADING: "Downloading",
    JobState.VERIFYING: "Verifying",
    JobState.DONE: "Done",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
    JobState.INTERRUPTED: "Interrupted",
}


def state_word(state: JobState) -> str:
    """The state as a capitalised word for people."""
    return _STATE_WORD[state]


def human_bytes(count: float) -> str:
    """1500 -> '1.5 KB' (decimal units: 1 KB = 1000 bytes)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"


def human_duration(seconds: float) -> str:
    """95 -> '1 min 35 s'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_span(span: TimeSpan, zone: tzinfo) -> str:
    """The span in local time; the end's date is left out when it is the start's date."""
    start, end = span.start.astimezone(zone), span.end.astimezone(zone)
    text = f"{start:%Y-%m-%d %H:%M:%S}"
    if start == end:
        return text
    return f"{text} – {end:%H:%M:%S}" if end.date() == start.date() else f"{text} – {end:%Y-%m-%d %H:%M:%S}"


def bytes_tooltip(job: JobRecord) -> str:
    """Exact byte counts for the Transferred column's tooltip ('' when there are none)."""
    if job.state is JobState.DONE and job.files:
        count = len(job.files)
        return f"{sum(f.size for f in job.files):,} bytes in {count} file{'s' if count != 1 else ''}"
    if job.bytes_total:
        return f"{job.bytes_done:,} of {job.bytes_total:,} bytes"
    return f"{job.bytes_done:,} bytes" if job.bytes_done else ""
