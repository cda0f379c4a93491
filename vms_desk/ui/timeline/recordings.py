"""Loads what the selected cameras recorded in (and around) the visible timeline window."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.models import Recordings, TimeSpan
from vms_desk.ui.sources.connections import Connections
from vms_desk.ui.sources.source_tree import CameraRef
from vms_desk.ui.timeline.timeline import Timeline
from vms_desk.workstation.tasks import TaskSet

log = logging.getLogger(__name__)

DEBOUNCE_MS = 250  # wait for zooming/panning to settle before asking the servers


class RecordingsLoader(QObject):
    """Keeps the timeline's rows in step with the selected cameras and the visible window.

    Each load asks for the visible window plus one window's width either side, so short pans need
    no new request; a newer load makes the answers of an older one irrelevant (generation counter).

    Signals:
        loaded(): every selected camera's recordings for the current window have arrived.
        failed(str): a camera's recordings could not be loaded (the sentence says why).
    """

    loaded = Signal()
    failed = Signal(str)

    def __init__(
        self, connections: Connections, timeline: Timeline, tasks: TaskSet, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.connections = connections
        self.timeline = timeline
        self.tasks = tasks
        self.cameras: list[CameraRef] = []
        self._cache: dict[tuple[str, str], tuple[TimeSpan, Recordings]] = {}
        self._generation = 0
        self._current: asyncio.Task[Any] | None = None
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.reload)
        timeline.viewChanged.connect(lambda *_: self._timer.start())

    def set_cameras(self, cameras: list[CameraRef]) -> None:
        """Show these cameras' rows now (cached data at once, the rest loading) and fetch."""
        self.cameras = list(cameras)
        self._timer.stop()
        self.reload()

    def _labels(self) -> list[str]:
        servers = {ref.server_id for ref in self.cameras}
        if len(servers) <= 1:
            return [ref.camera.name for ref in self.cameras]
        labels = []
        for ref in self.cameras:
            config = self.connections.config(ref.server_id)
            labels.append(f"{ref.camera.name} · {config.label}" if config else ref.camera.name)
        return labels

    def _window(self) -> TimeSpan:
        start, end = self.timeline.view()
        width = end - start
        lo = start - width
        # Servers may refuse spans reaching into the future; nothing is recorded there anyway.
        hi = max(lo, min(end + width, datetime.now(UTC)))
        return TimeSpan(start=lo, end=hi)

    def _covered(self, key: tuple[str, str], view: TimeSpan) -> Recordings | None:
        cached = self._cache.get(key)
        if cached is None:
            return None
        window, recordings = cached
        return recordings if window.start <= view.start and view.end <= window.end else None

    def reload(self) -> None:
        """Fetch what is missing for the current window; paint what is cached straight away."""
        self._generation += 1
        start, end = self.timeline.view()
        view = TimeSpan(start=start, end=min(end, max(start, datetime.now(UTC))))
        rows: list[tuple[str, Recordings | None]] = []
        missing: list[CameraRef] = []
        for label, ref in zip(self._labels(), self.cameras, strict=True):
            key = (ref.server_id, ref.camera.id)
            have = self._covered(key, view)
            stale = self._cache.get(key)
            rows.append((label, have or (stale[1] if stale else None)))
            if have is None:
                missing.append(ref)
        self.timeline.set_rows(rows)
        if self._current is not None and not self._current.done():
            self._current.cancel()
        if missing:
            self._current = self.tasks.spawn(
                self._fetch(self._generation, missing, self._window()), name="recordings"
            )
        else:
            self.loaded.emit()

    async def _fetch(self, generation: int, cameras: list[CameraRef], window: TimeSpan) -> None:
        async def one(ref: CameraRef) -> None:
            try:
                result = await self.connections.recordings(ref.server_id, ref.camera.id, window)
            except VmsDeskError as exc:
                log.info("recordings of %s: %s (%s)", ref.camera.name, exc, exc.detail)
                self.failed.emit(f"{ref.camera.name}: {exc}")
                result = Recordings(known=False)
                # Not cached: the next pan or selection asks again.
                if generation == self._generation:
                    self._update_row(ref, result)
                return
            self._cache[(ref.server_id, ref.camera.id)] = (window, result)
            if generation == self._generation:
                self._update_row(ref, result)

        await asyncio.gather(*(one(ref) for ref in cameras))
        if generation == self._generation:
            self.loaded.emit()

    def _update_row(self, ref: CameraRef, recordings: Recordings) -> None:
        rows = [(row.label, row.recordings) for row in self.timeline.rows()]
        for i, other in enumerate(self.cameras):
            if other == ref and i < len(rows):
                rows[i] = (rows[i][0], recordings)
        self.timeline.set_rows(rows)

    async def wait_loaded(self) -> None:
        """Wait until the rows of the current selection and window are loaded (automation, tests)."""
        self._timer.stop()
        self.reload()
        while self._current is not None and not self._current.done():
            await asyncio.wait([self._current])
            if self._timer.isActive():  # the view moved meanwhile: load that too
                self._timer.stop()
                self.reload()

    def stop(self) -> None:
        """No more loads (shutdown)."""
        self._timer.stop()
        self.cameras = []

    def forget(self, server_id: str) -> None:
        """Drop cached recordings of a server (refreshed or removed)."""
        self._cache = {k: v for k, v in self._cache.items() if k[0] != server_id}

    @staticmethod
    def recent_span(minutes: int = 10) -> TimeSpan:
        """A default selection: the last few minutes, ending a minute ago (surely recorded by now)."""
        end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
        return TimeSpan(start=end - timedelta(minutes=minutes), end=end)
