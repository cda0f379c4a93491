"""The bridge from engine listeners to Qt signals, throttled so a fast download never floods the loop.

Engine callbacks may arrive at any rate and from any thread; the bridge keeps only the latest record
and the latest progress per job and delivers them on the GUI thread about ten times a second.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

INTERVAL_MS = 100  # ~10 updates a second: smooth for a progress bar, cheap for the event loop


@dataclass(frozen=True)
class Progress:
    """One job's transfer figures: bytes done, total (None when unknown), rate in B/s, server 0..1."""

    job_id: str
    done: int
    total: int | None
    rate: float
    server_progress: float | None


class EngineBridge(QObject):
    """Subscribes to an engine and re-emits its events as throttled Qt signals.

    Signals:
        jobChanged(object): a JobRecord changed state or details (latest record per job per tick).
        progressChanged(object): a Progress for one job (latest per job per tick).
        flushed(): one batch was delivered (tests wait on this).
    """

    jobChanged = Signal(object)  # noqa: N815 - Qt signal naming
    progressChanged = Signal(object)  # noqa: N815 - Qt signal naming
    flushed = Signal()
    _kick = Signal()

    def __init__(
        self, engine: Any | None = None, parent: QObject | None = None, interval_ms: int = INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._jobs: dict[str, Any] = {}
        self._progress: dict[str, Progress] = {}
        self._unsubscribe: list[Any] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        # Queued: a callback from a worker thread starts the timer on the GUI thread.
        self._kick.connect(self._arm, Qt.ConnectionType.QueuedConnection)
        if engine is not None:
            self.attach(engine)

    def attach(self, engine: Any) -> None:
        """Listen to the engine's job and progress callbacks (until `stop()`)."""
        self._unsubscribe = [engine.add_listener(self.on_job), engine.add_progress_listener(self.on_progress)]

    def on_job(self, record: Any) -> None:
        """Engine listener: a job record changed."""
        with self._lock:
            self._jobs[str(record.id)] = record
        self._kick.emit()

    def on_progress(
        self, job_id: str, done: int, total: int | None, rate: float, server_progress: float | None = None
    ) -> None:
        """Engine progress listener."""
        with self._lock:
            self._progress[str(job_id)] = Progress(
                str(job_id), int(done), total, float(rate), server_progress
            )
        self._kick.emit()

    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        """Stop listening, deliver what is pending, stop the timer (shutdown)."""
        for unsubscribe in self._unsubscribe:
            if callable(unsubscribe):
                unsubscribe()
        self._unsubscribe = []
        self._timer.stop()
        self.flush()

    def flush(self) -> None:
        """Deliver what is pending now: records first (states), then progress."""
        with self._lock:
            jobs, self._jobs = self._jobs, {}
            progress, self._progress = self._progress, {}
        for record in jobs.values():
            self.jobChanged.emit(record)
        for item in progress.values():
            self.progressChanged.emit(item)
        if jobs or progress:
            self.flushed.emit()
