"""What the window and its engine process say to each other: one JSON object per line over a pipe.

The window asks (`{"id": n, "op": "submit", ...}`) and the engine answers each request once
(`{"reply": n, "ok": ...}` or `{"reply": n, "error": {...}}`); in between it tells what happens
(`{"event": "record" | "progress" | "health" | "ready", ...}`). Records travel as the store's own JSON
(pydantic), errors as their class name and sentence, so the window raises the same error the engine
raised. Secrets travel on this pipe only: it joins two processes of one user and is never written down.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from vms_desk.core import errors
from vms_desk.core.errors import StorageError, VmsDeskError
from vms_desk.jobs.listeners import JobProgress
from vms_desk.jobs.records import JobRecord

Message = dict[str, Any]


class EngineGone(VmsDeskError):
    """The engine process ended (or could not start) while the window waited for it."""

    transient = True


def dumps(message: Message) -> bytes:
    """One message as one line (no newline inside: JSON escapes them)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b"\n"


def loads(line: bytes) -> Message:
    """One line as a message; ValueError for anything else (the reader says what it got)."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError(f"not a message: {line[:80]!r}")
    return message


def record_out(record: JobRecord) -> Any:
    """A job record as JSON-ready data."""
    return record.model_dump(mode="json")


def record_in(data: Any) -> JobRecord:
    """A job record from `record_out`."""
    return JobRecord.model_validate(data)


def progress_out(value: JobProgress) -> Message:
    """Progress as a message (monotonic times are one clock for every process of a machine)."""
    return {
        "event": "progress",
        "job": value.job_id,
        "done": value.done,
        "total": value.total,
        "rate": value.rate,
        "server": value.server_progress,
        "still": value.still_since,
    }


def progress_in(message: Message) -> JobProgress:
    """Progress from `progress_out`."""
    return JobProgress(
        job_id=str(message["job"]),
        done=int(message["done"]),
        total=None if message["total"] is None else int(message["total"]),
        rate=float(message["rate"]),
        server_progress=float(message["server"]),
        still_since=None if message["still"] is None else float(message["still"]),
    )


@cache
def _error_classes() -> dict[str, type[VmsDeskError]]:
    """Every error the engine may raise by name: the core hierarchy plus the engine's own."""
    from vms_desk.jobs.engine import JobBusy
    from vms_desk.store.database import StoreBusy, StoreUnreachable

    found: dict[str, type[VmsDeskError]] = {
        name: value
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, VmsDeskError)
    }
    for cls in (JobBusy, StoreUnreachable, StoreBusy, EngineGone):
        found[cls.__name__] = cls
    return found


def error_out(exc: VmsDeskError) -> Message:
    """An error as data: its class, sentence and log detail."""
    return {"type": type(exc).__name__, "message": exc.message, "detail": exc.detail}


def error_in(data: Message) -> VmsDeskError:
    """The error `error_out` described, as the same class where it is known (else VmsDeskError).
    Classes whose constructor takes more than a sentence come back as their nearest plain parent."""
    cls = _error_classes().get(str(data.get("type")), VmsDeskError)
    message, detail = str(data.get("message", "")), str(data.get("detail", ""))
    try:
        return cls(message, detail=detail)
    except TypeError:
        for parent in cls.__mro__[1:]:
            if isinstance(parent, type) and issubclass(parent, VmsDeskError):
                try:
                    return parent(message, detail=detail)
                except TypeError:
                    continue
        return VmsDeskError(message, detail=detail)


def storage_error_in(data: Message | None) -> StorageError | None:
    """A store health event's error (None: the store answers again)."""
    if data is None:
        return None
    error = error_in(data)
    return error if isinstance(error, StorageError) else StorageError(error.message, detail=error.detail)
