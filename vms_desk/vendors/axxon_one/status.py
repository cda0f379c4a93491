"""Axxon One export states (0-6) as core ExportStatus, with a plain-language meaning for each failure.

Documented: 0 export not performed, 1 in progress, 2 complete, 3 error, 4 not enough space, 5 a file with
that name exists, 6 no data. Every failure message is our sentence followed by the server's words and
the state number (build item 4). State 0 counts as "not started yet" only for a while (`NotStarted`):
a server that never leaves it must not be polled forever (docs/vendors/axxon-one.md, point 5).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vms_desk.core.models import TimeSpan
from vms_desk.core.protocol import ExportPhase, ExportStatus, RemoteFile
from vms_desk.vendors.axxon_one.wire import LABEL, ExportStatusReply, span_in_name
from vms_desk.vendors.request import said

NOT_STARTED, RUNNING_STATE, DONE_STATE = 0, 1, 2
# How long an export may stay in state 0 ("not performed") before it counts as never started: the
# server waits up to `waittimeout` (30 s) for a key frame first, so four times that is generous.
NOT_STARTED_SECONDS = 120.0
MEANINGS = {
    3: f"{LABEL} could not make the export. Try again, or pick another span.",
    4: f"{LABEL} ran out of disk space while exporting. Free space on the server, then retry the export.",
    5: (
        f"{LABEL} already has an export file with the same name. Retry the export; if it happens again, "
        "remove old exports on the server."
    ),
    6: f"{LABEL} has no recording to export in this span. Pick a span inside the recorded intervals.",
}
WORDS = {0: "export not performed", 3: "export error", 4: "not enough space", 5: "file exists", 6: "no data"}


def _progress(value: float) -> float:
    # Documented as 0..1; a server sending a percentage is tolerated (a choice: values above 1 are /100).
    if value > 1.0001:
        value /= 100.0
    return min(1.0, max(0.0, value))


def _code(state: int) -> str:
    word = WORDS.get(state)
    return f"state {state}, {word}" if word else f"state {state}"


class NotStarted:
    """When each export was first seen in state 0, to end one the server never starts."""

    def __init__(
        self, limit: float = NOT_STARTED_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.clock = clock
        self._first: dict[str, float] = {}

    def overdue(self, export_id: str, state: int) -> float | None:
        """Seconds spent in state 0 once past the limit, else None (any other state resets it)."""
        if state != NOT_STARTED:
            self._first.pop(export_id, None)
            return None
        now = self.clock()
        waited = now - self._first.setdefault(export_id, now)
        return waited if waited >= self.limit else None


def to_status(reply: ExportStatusReply, waited_in_zero: float | None = None) -> ExportStatus:
    """The core status for one /export/{id}/status reply (`waited_in_zero`: state 0 for too long)."""
    text = reply.error_text
    if reply.state == NOT_STARTED and waited_in_zero is not None:
        return ExportStatus(
            phase=ExportPhase.FAILED,
            error=(
                f"{LABEL} did not start the export within {waited_in_zero:.0f} s (it kept reporting state 0, "
                "export not performed). Try again later; if it keeps happening, check the server."
            )
            + said(text, _code(0)),
            vendor_error=text,
            vendor_code="0",
        )
    if reply.state in (NOT_STARTED, RUNNING_STATE):
        return ExportStatus(phase=ExportPhase.RUNNING, progress=_progress(reply.progress))
    if reply.state == DONE_STATE:
        return _done(reply)
    if reply.state in MEANINGS:
        return ExportStatus(
            phase=ExportPhase.FAILED,
            progress=_progress(reply.progress),
            error=MEANINGS[reply.state] + said(text, _code(reply.state)),
            vendor_error=text,
            vendor_code=str(reply.state),
        )
    # An undocumented state is kept verbatim and treated as running; the job's stall limit ends it
    # if the server's progress stops changing (issue 9, build item 3).
    return ExportStatus(
        phase=ExportPhase.RUNNING,
        progress=_progress(reply.progress),
        vendor_code=str(reply.state),
        vendor_error=text,
        state=f"state {reply.state}" + (f": {text}" if text else ""),
        message=f"{LABEL} reports an export state vms_desk does not know (state {reply.state})"
        + (f': "{text}"' if text else "")
        + "; waiting while its progress changes.",
    )


def _done(reply: ExportStatusReply) -> ExportStatus:
    names = reply.file_names
    if not names:
        return ExportStatus(
            phase=ExportPhase.FAILED,
            error=f"{LABEL} finished the export but named no file to download. Try the export again."
            + said(reply.error_text, _code(DONE_STATE)),
            vendor_error=reply.error_text,
            vendor_code=str(reply.state),
        )
    # `locator` keeps the exact name from `files`: it is what /export/{id}/file?name= wants.
    files = tuple(RemoteFile(name=n, locator=n, actual_span=span_in_name(n)) for n in names)
    spans = [f.actual_span for f in files if f.actual_span is not None]
    actual = (
        TimeSpan(start=min(s.start for s in spans), end=max(s.end for s in spans))
        if spans and len(spans) == len(files)
        else None
    )
    return ExportStatus(phase=ExportPhase.DONE, progress=1.0, files=files, actual_span=actual)
