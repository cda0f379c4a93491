"""The bridge from engine listeners to Qt signals, delivered on the GUI thread in batches.

The engine already throttles progress (jobs.listeners); callbacks may still come from any thread, so the
bridge keeps the latest record and progress per job and delivers them together on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal

if TYPE_CHECKING:
    from vms_desk.jobs.control import JobControl
    from vms_desk.jobs.listeners import JobProgress
    from vms_desk.jobs.records import JobRecord

INTERVAL_MS = 250  # 4 updates a second: live enough for a progress bar; each one repaints the job list


class EngineBridge(QObject):
    """Subscribes to an engine and re-emits its events as throttled Qt signals.

    Signals:
        jobChanged(object): a JobRecord changed state or details (latest record per job per tick).
        progressChanged(object): a JobProgress for one job (latest per job per tick).
        flushed(): one batch was delivered (tests wait on this).
    """

    jobChanged = Signal(object)  # noqa: N815 - Qt signal naming
    progressChanged = Signal(object)  # noqa: N815 - Qt signal naming
    flushed = Signal()
    _kick = Signal()

    def __init__(
        self, engine: JobControl | None = None, parent: QObject | None = None, interval_ms: int = INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._jobs: dict[str, JobRecord] = {}
        self._progress: dict[str, JobProgress] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        # Queued: a callback from a worker thread starts the timer on the GUI thread.
        self._kick.connect(self._arm, Qt.ConnectionType.QueuedConnection)
        if engine is not None:
            self.attach(engine)

    def attach(self, engine: JobControl) -> None:
        """Listen to the engine's job and progress callbacks (until `stop()`)."""
        self._unsubscribe = [engine.add_listener(self.on_job), engine.add_progress_listener(self.on_progress)]

    def on_job(self, record: JobRecord) -> None:
        """Engine listener: a job record changed."""
        with self._lock:
            self._jobs[record.id] = record
        self._kick.emit()

    def on_progress(self, value: JobProgress) -> None:
        """Engine progress listener."""
        with self._lock:
            self._progress[value.job_id] = value
        self._kick.emit()

    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        """Stop listening, deliver what is pending, stop the timer (shutdown)."""
        for unsubscribe in self._unsubscribe:
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
