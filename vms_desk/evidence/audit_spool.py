"""Audit entries the log could not take in time, kept in the home until it can.

A job's entry waits for a busy or unreachable audit log (jobs.auditing.record_patiently); past that wait
it is appended here, whole and fsynced, and the next Workstation.open writes it into the log with the
time it happened (`happened`). Each carries an id (`spool_id` in the log), so an entry already written
when a crash cut a replay short is not written twice.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vms_desk.core.errors import StorageError
from vms_desk.evidence.audit import AuditTrail
from vms_desk.evidence.filelock import locked

log = logging.getLogger(__name__)

SPOOL_NAME = "audit-pending.jsonl"
LOCK_NAME = "audit-pending.lock"


def keep(home: Path, action: str, outcome: str, fields: dict[str, Any]) -> None:
    """Append one entry to the home's pending file (OSError when even that cannot be written)."""
    item = {
        "id": uuid.uuid4().hex,
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "action": action,
        "outcome": outcome,
        "fields": fields,
    }
    line = json.dumps(item, default=str).encode("utf-8") + b"\n"
    with locked(home / LOCK_NAME), (home / SPOOL_NAME).open("ab") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def replay(home: Path, audit: AuditTrail) -> int:
    """Write the pending entries into `audit`, oldest first; how many were written. Those the log still
    cannot take stay pending for the next start."""
    path = home / SPOOL_NAME
    if not path.exists():
        return 0
    with locked(home / LOCK_NAME):
        lines = path.read_bytes().splitlines()
        done = {entry.get("spool_id") for entry in audit.entries() if entry.get("spool_id")}
        written, left = 0, []
        for index, raw in enumerate(lines):
            try:
                item = json.loads(raw)
                spool_id, action, outcome = str(item["id"]), str(item["action"]), str(item["outcome"])
                fields = dict(item["fields"])
            except (ValueError, KeyError, TypeError):  # a line a crash cut short: it was never whole
                log.error("dropping an unreadable pending audit line: %r", raw[:200])
                continue
            if spool_id in done:
                continue
            try:
                audit.record(action, outcome, **fields, spool_id=spool_id, happened=item.get("time"))
            except (OSError, StorageError) as exc:
                log.warning("the audit log still cannot take pending entries (%r); they wait", exc)
                left = lines[index:]
                break
            written += 1
        if left:
            partial = path.with_suffix(".part")
            partial.write_bytes(b"\n".join(left) + b"\n")
            os.replace(partial, path)
        else:
            path.unlink()
    if written:
        log.info("wrote %d pending audit entries", written)
    return written
