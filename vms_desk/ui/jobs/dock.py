"""The job dock: every export job with its progress, and the actions on them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QPoint,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSystemTrayIcon,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.jobstate import JobState
from vms_desk.ui.jobs.filter import STATE_FILTERS, JobFilterProxy
from vms_desk.ui.jobs.model import (
    JobTableModel,
    RecordRole,
)
from vms_desk.ui.jobs.view import JobTableView

if TYPE_CHECKING:
    from vms_desk.jobs.records import JobRecord

_RETRYABLE = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED})


class JobDock(QDockWidget):
    """The bottom dock: filter and search, the job table, and actions on the selected jobs.

    Signals:
        cancelRequested(str), retryRequested(str): act on a job id.
        removeRequested(str): forget a job (asked for after the user confirmed).
        previewRequested(object): play or show a job's first file (a Path).
        currentJobChanged(object): the one selected JobRecord, or None (nothing or several selected).
        workingCopyRequested(object): make a working copy of a done job's evidence folder (a Path).
    """

    cancelRequested = Signal(str)  # noqa: N815 - Qt signal naming
    retryRequested = Signal(str)  # noqa: N815 - Qt signal naming
    removeRequested = Signal(str)  # noqa: N815 - Qt signal naming
    previewRequested = Signal(object)  # noqa: N815 - Qt signal naming
    currentJobChanged = Signal(object)  # noqa: N815 - Qt signal naming
    workingCopyRequested = Signal(object)  # noqa: N815 - Qt signal naming

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__("Export jobs", parent)
        self.setObjectName("jobDock")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.model = model
        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(model)

        self.state_filter = QComboBox(objectName="jobStateFilter")
        self.state_filter.addItems(list(STATE_FILTERS))
        self.state_filter.currentTextChanged.connect(lambda t: self.proxy.set_states(STATE_FILTERS[t]))
        self.search = QLineEdit(
            objectName="jobSearch",
            placeholderText="Search jobs (camera, server, message…)",
        )
        # The clear button once there is something to clear: its icon would hold up the first paint.
        self.search.textChanged.connect(lambda text: text and self.search.setClearButtonEnabled(True))
        self.search.textChanged.connect(self.proxy.set_search)

        self.view = JobTableView(self.proxy)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.doubleClicked.connect(lambda _: self._preview())

        self.actions_by_name = self._make_actions()
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.addWidget(self.state_filter)
        toolbar.addWidget(self.search, 1)
        for name in ("cancel", "retry", "remove", "open", "preview", "copy"):
            button = QToolButton(objectName=f"job_{name}")
            button.setDefaultAction(self.actions_by_name[name])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            toolbar.addWidget(button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(toolbar)
        layout.addWidget(self.view, 1)
        self.setWidget(body)
        self.confirm_box: QMessageBox | None = None
        self._current: str | None = None
        self.view.selectionModel().selectionChanged.connect(self.update_actions)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        model.dataChanged.connect(self.update_actions)
        self.update_actions()

    def focus_chain(self) -> list[QWidget]:
        """The dock's widgets in the order Tab visits them."""
        return [self.state_filter, self.search, self.view]

    def _make_actions(self) -> dict[str, QAction]:
        specs = {
            "cancel": ("Cancel", self._cancel, QKeySequence.StandardKey.Cancel),
            "retry": ("Retry", self._retry, None),
            "remove": ("Remove…", self._remove, QKeySequence.StandardKey.Delete),
            "open": ("Open folder", self._open_folder, None),
            "preview": ("Play / preview", self._preview, QKeySequence(Qt.Key.Key_Return)),
            "copy": ("Copy manifest path", self._copy_manifest, QKeySequence.StandardKey.Copy),
            "working": ("Make working copy…", self._working_copy, None),
        }
        actions: dict[str, QAction] = {}
        for name, (text, slot, shortcut) in specs.items():
            action = QAction(text, self)
            action.setObjectName(f"jobAction_{name}")
            action.triggered.connect(slot)
            if shortcut is not None:
                action.setShortcut(shortcut)
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)
            actions[name] = action
        return actions

    # --- selection --------------------------------------------------------------------------------
    def selected(self) -> list[JobRecord]:
        """The selected jobs, in view order."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(RecordRole) for r in rows]

    def select_job(self, job_id: str) -> None:
        """Select one job's row (when it passes the filter)."""
        row = self.model.row_of(job_id)
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                self.view.selectRow(index.row())

    def update_actions(self, *_: object) -> None:
        """Enable only the actions that make sense for the selection."""
        jobs = self.selected()
        enable = {
            "cancel": any(not j.state.finished for j in jobs),
            "retry": any(j.state in _RETRYABLE for j in jobs),
            "remove": any(j.state.finished or j.state is JobState.INTERRUPTED for j in jobs),
            "open": any(j.evidence_dir is not None for j in jobs),
            "preview": any(j.files and j.evidence_dir for j in jobs),
            "copy": any(j.manifest is not None for j in jobs),
            "working": any(_copyable(j) for j in jobs),
        }
        for name, on in enable.items():
            self.actions_by_name[name].setEnabled(on)

    def _selection_changed(self, *_: object) -> None:
        jobs = self.selected()
        job = jobs[0] if len(jobs) == 1 else None
        current = job.id if job is not None else None
        if current != self._current:
            self._current = current
            self.currentJobChanged.emit(job)

    # --- actions ---------------------------------------------------------------------------------
    def _cancel(self) -> None:
        for job in self.selected():
            if not job.state.finished:
                self.cancelRequested.emit(job.id)

    def _retry(self) -> None:
        for job in self.selected():
            if job.state in _RETRYABLE:
                self.retryRequested.emit(job.id)

    def _remove(self) -> QMessageBox | None:
        """Ask (a non-modal box, open() not exec()), then ask the window to forget the jobs."""
        jobs = [j for j in self.selected() if j.state.finished or j.state is JobState.INTERRUPTED]
        if not jobs:
            return None
        what = jobs[0].label if len(jobs) == 1 else f"these {len(jobs)} jobs"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove from the job list",
            f"Remove {what} from the job list? The evidence folders and their files stay on disk.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("removeJobsBox")
        box.button(QMessageBox.StandardButton.Yes).setText("Remove")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ids = [j.id for j in jobs]

        def answered(button: QAbstractButton) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                for job_id in ids:
                    self.removeRequested.emit(job_id)

        box.buttonClicked.connect(answered)
        self.confirm_box = box
        box.open()
        return box

    def _open_folder(self) -> None:
        for job in self.selected()[:5]:  # never open dozens of windows by accident
            if job.evidence_dir is not None:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(job.evidence_dir)))

    def _preview(self) -> None:
        jobs = [j for j in self.selected() if j.files and j.evidence_dir]
        if jobs:
            job = jobs[0]
            assert job.evidence_dir is not None
            self.previewRequested.emit(Path(job.evidence_dir) / job.files[0].name)

    def _copy_manifest(self) -> None:
        paths = [str(j.manifest) for j in self.selected() if j.manifest is not None]
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))

    def _working_copy(self) -> None:
        jobs = [j for j in self.selected() if _copyable(j)]
        if jobs and jobs[0].evidence_dir is not None:
            self.workingCopyRequested.emit(Path(jobs[0].evidence_dir))

    def _menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for name in ("preview", "open", "copy", "working", None, "cancel", "retry", "remove"):
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions_by_name[name])
        menu.popup(self.view.viewport().mapToGlobal(pos))


def _copyable(job: JobRecord) -> bool:
    """A done job with files in an evidence folder: it has a master to make a working copy of."""
    return job.state is JobState.DONE and bool(job.files) and job.evidence_dir is not None


class TrayNotifier:
    """A tray message when a job finishes or fails (where the desktop has a tray); keeps a log of them."""

    def __init__(self, parent: QWidget) -> None:
        self.messages: list[tuple[str, str]] = []
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(parent.windowIcon(), parent)
            self.tray.setToolTip("vms_desk")
            self.tray.show()

    def job_finished(self, job: JobRecord) -> None:
        """Announce a job that reached done or failed."""
        if job.state is JobState.DONE:
            title = f"Export done: {job.camera_name or job.camera_id}"
            text = f"{len(job.files)} file(s) in {job.evidence_dir}" if job.evidence_dir else "Files saved."
            if job.server_path and not job.files:
                text = f"Left on the server: {job.server_path}"
            icon = QSystemTrayIcon.MessageIcon.Information
        else:
            title = f"Export failed: {job.camera_name or job.camera_id}"
            text = job.error or "See the job list for details."
            icon = QSystemTrayIcon.MessageIcon.Warning
        self.messages.append((title, text))
        if self.tray is not None:
            self.tray.showMessage(title, text, icon, 8000)
