"""What the main window does with jobs: follow the engine's changes and progress, retry, remove."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QInputDialog, QLineEdit, QProgressBar

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.jobstate import JobState
from vms_desk.core.options import REDACTED
from vms_desk.jobs.listeners import JobProgress
from vms_desk.jobs.records import JobRecord
from vms_desk.present.job_text import state_word
from vms_desk.ui.evidence.actions import EvidenceActions
from vms_desk.ui.jobs.dock import TrayNotifier
from vms_desk.ui.jobs.model import JobTableModel
from vms_desk.workstation.tasks import TaskSet

OVERALL_MS = 250  # the status bar's overall progress is redrawn at most 4 times a second


class JobActions(QObject):
    """Keeps the job list, the preview pane and the overall progress bar in step with the engine."""

    def __init__(
        self,
        window: Any,
        *,
        model: JobTableModel,
        engine: Any,
        tasks: TaskSet,
        evidence: EvidenceActions,
        notifier: TrayNotifier,
        overall: QProgressBar,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self.engine = engine
        self.tasks = tasks
        self.evidence = evidence
        self.notifier = notifier
        self.overall = overall
        # QProgressBar.setValue repaints at once (synchronously) whenever the bar visibly moves: fed
        # every job's progress ten times a second, eight downloads made it repaint 80 times a second on
        # the GUI thread. The bar is redrawn at most this often instead; the table rows stay live.
        self._overall_later = QTimer(self, singleShot=True, interval=OVERALL_MS)
        self._overall_later.timeout.connect(self.update_overall)

    def job_changed(self, record: JobRecord) -> None:
        """A stored change of a job: the row, the pane, a tray note when it finished, the bar."""
        previous = self.model.row_of(record.id)
        before = self.model.record(previous).state if previous >= 0 else None
        self.model.upsert(record)
        self.evidence.job_updated(record)
        if before is not record.state and record.state in (JobState.DONE, JobState.FAILED):
            self.notifier.job_finished(record)
            self.window.show_status(
                f"{record.label}: {state_word(record.state).lower()}"
                + (f" — {record.error}" if record.error else "")
            )
        self._update_overall_soon()

    def progress(self, progress: JobProgress) -> None:
        """Live transfer figures of a job."""
        self.model.apply_progress(progress)
        self._update_overall_soon()

    def _update_overall_soon(self) -> None:
        if not self._overall_later.isActive():
            self._overall_later.start()

    def update_overall(self) -> None:
        """The status bar's bar: how far the active jobs are, together."""
        count, fraction = self.model.overall()
        self.overall.setVisible(count > 0)
        if count:
            self.overall.setValue(int(fraction * 1000))
            self.overall.setFormat(f"{count} job{'s' if count != 1 else ''} · %p%")

    def cancel(self, job_id: str) -> None:
        """Cancel a job in the background."""
        self.tasks.spawn(self.engine.cancel(job_id), name="cancel")

    def retry(self, job_id: str) -> QInputDialog | None:
        """Retry a job; secrets are never stored, so a job that had one asks for it again first."""
        row = self.model.row_of(job_id)
        if row < 0:
            return None
        job = self.model.record(row)
        missing = [name for name, value in job.request.options.items() if value == REDACTED]
        if not missing:
            self.tasks.spawn(self.engine.retry(job_id), name="retry")
            return None
        name = missing[0]
        ask = QInputDialog(self.window)
        ask.setObjectName("secretPrompt")
        ask.setWindowTitle("Retry export")
        ask.setLabelText(f"{job.label} needs its {name} again (vms_desk never stores it):")
        ask.setTextEchoMode(QLineEdit.EchoMode.Password)
        ask.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ask.textValueSelected.connect(
            lambda value: self.tasks.spawn(self.engine.retry(job_id, {name: value}), name="retry")
        )
        ask.open()
        return ask

    def remove(self, job_id: str) -> None:
        """Forget a job the user confirmed removing (its evidence folder stays), in the background:
        the store's delete commits on its writer thread, never on this one."""
        self.tasks.spawn(self._remove(job_id), name="remove")

    async def _remove(self, job_id: str) -> None:
        try:
            await self.engine.discard(job_id)
        except VmsDeskError as exc:
            self.window.show_error(exc)
            return
        self.model.remove(job_id)
        self.evidence.job_removed(job_id)
