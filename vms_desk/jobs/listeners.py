"""Subscribers to job changes: whole records on every change, throttled byte progress while downloading.

A failing subscriber is logged and skipped; it never breaks a job or the other subscribers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from vms_desk.jobs.records import JobRecord

log = logging.getLogger(__name__)

RecordListener = Callable[[JobRecord], None]
# (job id, bytes done, total bytes or None, bytes per second, the server's progress 0..1)
ProgressListener = Callable[[str, int, "int | None", float, float], None]


class Listeners:
    """The engine's two lists of subscribers."""

    def __init__(self) -> None:
        self._records: list[RecordListener] = []
        self._progress: list[ProgressListener] = []

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
        for callback in list(self._records):
            try:
                callback(record)
            except Exception:
                log.exception("job listener failed")

    def progress(self, job_id: str, done: int, total: int | None, rate: float, server: float) -> None:
        """Tell every progress subscriber."""
        for callback in list(self._progress):
            try:
                callback(job_id, done, total, rate, server)
            except Exception:
                log.exception("progress listener failed")
