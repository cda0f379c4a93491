"""One audit entry per custody action; an entry that cannot be written is said, not swallowed."""

from __future__ import annotations

from typing import Any

from vms_desk.core.errors import StorageError
from vms_desk.evidence.audit import AuditTrail


def record(audit: AuditTrail, action: str, outcome: str = "ok", **fields: Any) -> None:
    """Append `action` with its files and hashes; StorageError with a sentence when the log is unwritable."""
    try:
        audit.record(action, outcome, **fields)
    except OSError as exc:
        raise StorageError(
            f"The {action} was made, but its audit entry could not be written to {audit.where}: "
            f"{exc.strerror}.",
            detail=repr(exc),
        ) from exc
