"""Job outcomes into the append-only audit log: who exported what, from where, and what came of it."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from pathlib import Path
from typing import Any

from vms_desk.core.errors import StorageError
from vms_desk.core.jobstate import JobState
from vms_desk.evidence import audit_spool
from vms_desk.evidence.audit import AuditTrail
from vms_desk.evidence.manifest import iso_utc
from vms_desk.jobs.records import JobRecord

log = logging.getLogger(__name__)

# How long an entry keeps trying for a busy or unreachable audit log: eight exports ending together on a
# saturated disk held the audit file's lock past its 10 s wait; a team store may be restarting.
AUDIT_PATIENCE = 120.0
AUDIT_MAX_DELAY = 8.0


def record_patiently(
    audit: AuditTrail, action: str, outcome: str, *, keep_in: Path | None = None, **fields: Any
) -> bool:
    """Append one entry, trying again while the log is busy or unreachable (blocking: call it off the
    event loop). When it cannot be written in time it is kept in `keep_in`'s pending file, written at
    the next start (evidence.audit_spool), and False is returned; without `keep_in`, or when even
    that fails, the whole entry goes to the log file."""
    delay, give_up = 0.25, time.monotonic() + AUDIT_PATIENCE
    while True:
        try:
            audit.record(action, outcome, **fields)
            return True
        except ValueError as exc:  # an entry the log refuses: trying again cannot help
            log.error("audit entry refused: %r", exc)
            return False
        except (OSError, StorageError) as exc:
            if time.monotonic() + delay > give_up:
                _set_aside(keep_in, action, outcome, fields, exc)
                return False
            log.warning("the audit log is busy or unreachable (%r); trying again", exc)
            time.sleep(delay)
            delay = min(delay * 2, AUDIT_MAX_DELAY)


def _set_aside(
    keep_in: Path | None, action: str, outcome: str, fields: dict[str, Any], exc: Exception
) -> None:
    if keep_in is not None:
        try:
            audit_spool.keep(keep_in, action, outcome, fields)
        except OSError as spool_error:
            exc = spool_error
        else:
            log.error(
                "audit entry not written in %.0f s (%r); kept in %s for the next start",
                AUDIT_PATIENCE,
                exc,
                audit_spool.SPOOL_NAME,
            )
            return
    entry = json.dumps({"action": action, "outcome": outcome, **fields}, default=str)
    log.error("audit entry not written in %.0f s (%r); the entry: %s", AUDIT_PATIENCE, exc, entry)


class AuditRecorder:
    """An engine listener that writes one audit entry per finished job and per retry."""

    def __init__(self, audit: AuditTrail, keep_in: Path | None = None) -> None:
        self.audit = audit
        self.keep_in = keep_in  # the home, whose pending file keeps entries the log could not take
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
        call = functools.partial(
            record_patiently, self.audit, action, outcome, keep_in=self.keep_in, **fields
        )
        try:
            # The entry is fsynced, and may wait for a busy log: keep that off the event loop.
            asyncio.get_running_loop().run_in_executor(None, call)
        except RuntimeError:
            call()


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
