"""Job outcomes into the append-only audit log: who exported what, from where, and what came of it."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from vms_desk.core.jobstate import JobState
from vms_desk.evidence.audit import AuditTrail
from vms_desk.evidence.manifest import iso_utc
from vms_desk.jobs.records import JobRecord

log = logging.getLogger(__name__)


class AuditRecorder:
    """An engine listener that writes one audit entry per finished job and per retry."""

    def __init__(self, audit: AuditTrail) -> None:
        self.audit = audit
        self._last: dict[str, JobState] = {}

    def __call__(self, record: JobRecord) -> None:
        """Engine listener."""
        previous = self._last.get(record.id)
        self._last[record.id] = record.state
        if record.state is previous:
            return
        if record.state.finished:
            self._write("export", str(record.state), **_fields(record))
        elif record.state is JobState.QUEUED and previous in (JobState.FAILED, JobState.CANCELLED):
            self._write("retry", "queued", job_id=record.id)

    def _write(self, action: str, outcome: str, **fields: Any) -> None:
        call = functools.partial(self._safe_record, action, outcome, fields)
        try:
            # The entry is fsynced: keep that off the event loop.
            asyncio.get_running_loop().run_in_executor(None, call)
        except RuntimeError:
            call()

    def _safe_record(self, action: str, outcome: str, fields: dict[str, Any]) -> None:
        try:
            self.audit.record(action, outcome, **fields)
        except (OSError, ValueError) as exc:
            log.warning("audit entry could not be written: %r", exc)


def _fields(record: JobRecord) -> dict[str, Any]:
    """What the audit keeps of a finished job (options are already redacted in the record)."""
    return {
        "job_id": record.id,
        "server": {
            "vendor": record.server.vendor.value,
            "url": record.server.url,
            "user": record.server.user,
        },
        "camera": {"id": record.camera_id, "name": record.camera_name},
        "case": record.case,
        "operator": record.operator,
        "requested": {
            "start": iso_utc(record.request.span.start),
            "end": iso_utc(record.request.span.end),
            "format": record.request.format,
            "options": record.request.options,
        },
        "files": [f.model_dump() for f in record.files],
        "manifest": str(record.manifest) if record.manifest else None,
        "error": record.error or None,
    }
