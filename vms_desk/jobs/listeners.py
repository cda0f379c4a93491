"""Subscribers to job changes: whole records on every change, throttled progress while a job runs.

Progress is one `JobProgress` value, throttled here and only here (about ten a second per job, the
last of a transfer always delivered), so the window's bridge and the CLI's progress line just show
what arrives. A failing subscriber is logged and skipped; it never breaks a job or the other subscribers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vms_desk.jobs.records import JobRecord


log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.25  # seconds between two progress values of one job


@dataclass(frozen=True)
class JobProgress:
    """One job's figures: bytes done, total (None when unknown), rate in B/s, the server's progress 0..1."""

    job_id: str
    done: int = 0
    total: int | None = None
    rate: float = 0.0
    server_progress: float = 0.0
    # time.monotonic() when the server's progress last changed, while a job waits for it (else None):
    # the window shows how long a job has been waiting without progress.
    still_since: float | None = None

    @property
    def complete(self) -> bool:
        """True for the last value of a transfer (every byte there)."""
        return self.total is not None and self.done >= self.total


RecordListener = Callable[["JobRecord"], None]
ProgressListener = Callable[[JobProgress], None]


class Listeners:
    """The engine's two lists of subscribers."""

    def __init__(self, interval: float = PROGRESS_INTERVAL) -> None:
        self._records: list[RecordListener] = []
        self._progress: list[ProgressListener] = []
        self._interval = interval
        self._sent_at: dict[str, float] = {}

    def add_record(self, callback: RecordListener) -> Callable[[], None]:
        """Subscribe to record changes; returns a function that unsubscribes."""
        self._records.append(callback)
        return lambda: self._records.remove(callback)

    def add_progress(self, callback: ProgressListener) -> Callable[[], None]:
        """Subscribe to progress; returns a function that unsubscribes."""
        self._progress.append(callback)
        return lambda: self._progress.remove(callback)

    def record(self, record: JobRecord) -> None:
        """Tell every record subscriber."""
        if record.state.finished:
            self._sent_at.pop(record.id, None)
        for callback in list(self._records):
            try:
                callback(record)
            except Exception:
                log.exception("job listener failed")

    def progress(self, value: JobProgress) -> None:
        """Tell every progress subscriber, at most every `interval` seconds per job."""
        now = time.monotonic()
        if not value.complete and now - self._sent_at.get(value.job_id, -1e9) < self._interval:
            return
        self._sent_at[value.job_id] = now
        for callback in list(self._progress):
            try:
                callback(value)
            except Exception:
                log.exception("progress listener failed")
