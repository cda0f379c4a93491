"""The timeline's marks of what a chosen case already holds of each selected camera (amber bars), so an
investigator sees which spans are exported and which gaps are left."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox

from vms_desk.core.jobstate import JobState
from vms_desk.jobs.records import JobRecord
from vms_desk.present.exported import exported_spans
from vms_desk.ui.shell.centre import NO_CASE
from vms_desk.ui.sources.connections import Connections
from vms_desk.ui.timeline.recordings import RecordingsLoader
from vms_desk.ui.timeline.timeline import Timeline
from vms_desk.workstation.tasks import TaskSet

if TYPE_CHECKING:
    from vms_desk.workstation.root import Workstation


class CaseMarks(QObject):
    """Keeps the timeline's marks in step with the chosen case, the selected cameras and finished jobs.

    Signals:
        marked(): the marks were recomputed and shown.
    """

    marked = Signal()

    def __init__(
        self,
        combo: QComboBox,
        timeline: Timeline,
        *,
        loader: RecordingsLoader,
        connections: Connections,
        workstation: Workstation,
        tasks: TaskSet,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.combo, self.timeline, self.loader = combo, timeline, loader
        self.connections, self.workstation, self.tasks = connections, workstation, tasks
        self.combo.setToolTip("Mark on the timeline (amber) what this case already holds of each camera")
        if self.combo.findData("") < 0:
            self.combo.addItem(NO_CASE, "")
        self.combo.currentIndexChanged.connect(lambda *_: self.update())
        self.loader.loaded.connect(self.update)

    @property
    def case(self) -> str:
        """The chosen case number ("" for none)."""
        return str(self.combo.currentData() or "")

    def refresh_cases(self) -> None:
        """List the stored cases (keeps the choice)."""
        chosen = self.case
        numbers = [c.number for c in self.workstation.cases.cases()]
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(NO_CASE, "")
        for number in numbers:
            self.combo.addItem(f"Case {number}", number)
        self.combo.setCurrentIndex(max(0, self.combo.findData(chosen)))
        self.combo.blockSignals(False)

    def choose(self, number: str) -> None:
        """Choose a case by number ("" for none); the marks follow."""
        if self.combo.findData(number) < 0:
            self.refresh_cases()
        self.combo.setCurrentIndex(max(0, self.combo.findData(number)))

    def job_changed(self, record: JobRecord) -> None:
        """A job finished in the chosen case: mark it (and list a case first seen here)."""
        if record.case and self.combo.findData(record.case) < 0:
            self.refresh_cases()
        if record.state is JobState.DONE and record.case and record.case == self.case:
            self.update()

    def update(self) -> None:
        """Recompute the marks (the store is read off the GUI thread)."""
        self.tasks.spawn(self._update(), name="case-marks")

    async def _update(self) -> None:
        case, cameras = self.case, list(self.loader.cameras)
        jobs = await asyncio.to_thread(self.workstation.store.jobs) if case else []
        marks = []
        for ref in cameras:
            config = self.connections.config(ref.server_id)
            spans = exported_spans(jobs, case, config, ref.camera.id) if case and config else []
            marks.append([(s.start, s.end) for s in spans])
        self.timeline.set_marks(marks)
        self.marked.emit()
