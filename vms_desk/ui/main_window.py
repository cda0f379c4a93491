"""The main window: sources (left), timeline and time fields (centre), job dock (bottom), status bar."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QWidget,
)

from vms_desk import __version__
from vms_desk.core.errors import VmsDeskError
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.options import REDACTED
from vms_desk.jobs.records import JobRecord
from vms_desk.ui.bridge import EngineBridge, Progress
from vms_desk.ui.centre import CentrePanel
from vms_desk.ui.connections import Connections
from vms_desk.ui.exporting import ExportFlow
from vms_desk.ui.job_dock import JobDock, TrayNotifier
from vms_desk.ui.job_model import JobTableModel
from vms_desk.ui.job_text import state_word
from vms_desk.ui.recordings import RecordingsLoader
from vms_desk.ui.server_actions import ServerActions
from vms_desk.ui.servers_store import ServersStore
from vms_desk.ui.source_model import ServerStatus, SourceModel, StatusRole
from vms_desk.ui.source_tree import SourcePanel
from vms_desk.ui.tasks import TaskSet

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Composes the panels and wires them to the connections, the engine and the store.

    Signals:
        ready(): the jobs are loaded and the saved servers are being connected.
        closed(): the user closed the window (the app then stops the engine and quits).
    """

    ready = Signal()
    closed = Signal()

    def __init__(
        self,
        *,
        servers: ServersStore,
        http: Any,
        engine: Any,
        settings: QSettings,
        out_dir: Path,
        operator: str = "",
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"vms_desk {__version__} — video evidence export")
        self.settings = settings
        self.engine = engine
        self.servers = servers
        self.tasks = TaskSet(self.show_error)
        self.previews: list[QWidget] = []  # open player/viewer windows

        self.source_model = SourceModel(self)
        self.connections = Connections(self.source_model, http, servers.password, self)
        self.sources = SourcePanel(self.source_model)
        self.sources.setMinimumWidth(220)
        self.centre = CentrePanel(self)
        self.recordings = RecordingsLoader(self.connections, self.centre.timeline, self.tasks, self)
        self.server_actions = ServerActions(
            self,
            servers=servers,
            connections=self.connections,
            http=http,
            tasks=self.tasks,
            on_error=self.show_error,
        )
        self.export_flow = ExportFlow(
            self, self.connections, engine, self.tasks, settings, out_dir=out_dir, operator=operator
        )

        self.setCentralWidget(self.centre)
        # The sources live in a fixed, title-less left dock that owns the bottom-left corner, so the
        # tree keeps the full height and the job dock sits under the timeline only.
        self.sources_dock = QDockWidget("Sources", self, objectName="sourcesDock")
        self.sources_dock.setWidget(self.sources)
        self.sources_dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.sources_dock.setTitleBarWidget(QWidget())
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.sources_dock)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.job_model = JobTableModel(self)
        self.job_dock = JobDock(self.job_model, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.job_dock)
        self.bridge = EngineBridge(parent=self)
        self.notifier = TrayNotifier(self)

        self._build_status_bar()
        self._build_menus()
        self._wire()
        self.resize(1280, 820)

    # --- construction ----------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.status_text = QLabel("", objectName="statusText")
        self.overall = QProgressBar(objectName="overallProgress")
        self.overall.setRange(0, 1000)
        self.overall.setFixedWidth(220)
        self.overall.setFormat("%p%")
        self.overall.hide()
        self.sources_summary = QLabel("No servers yet", objectName="sourcesSummary")
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.sources_summary)
        self.statusBar().addPermanentWidget(self.overall)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        add = file_menu.addAction("&Add server…", self.server_actions.add)
        add.setShortcut(QKeySequence("Ctrl+N"))
        evidence = file_menu.addAction("&Open evidence folder…", self.open_evidence_folder)
        evidence.setShortcut(QKeySequence.StandardKey.Open)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        export_menu = self.menuBar().addMenu("&Export")
        self.export_action = QAction("&Export selected cameras…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export_flow.start)
        export_menu.addAction(self.export_action)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.job_dock.toggleViewAction())
        view_menu.addAction("&Fit timeline to recordings", self.centre.timeline.fit)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&About vms_desk", self._about)

    def _wire(self) -> None:
        self.sources.camerasSelected.connect(self._cameras_selected)
        self.sources.addRequested.connect(self.server_actions.add)
        self.sources.editRequested.connect(self.server_actions.edit)
        self.sources.removeRequested.connect(self.server_actions.remove)
        self.sources.refreshRequested.connect(self.connections.refresh)
        self.sources.exportRequested.connect(self.export_flow.start)
        self.centre.export_button.clicked.connect(self.export_flow.start)
        self.centre.spanChanged.connect(lambda *_: self._update_export_enabled())
        self.source_model.dataChanged.connect(lambda *_: self._update_sources_summary())
        self.source_model.rowsRemoved.connect(lambda *_: self._update_sources_summary())
        # Removing a server removes its camera rows without a selection signal: re-read the selection.
        self.source_model.rowsRemoved.connect(
            lambda *_: QTimer.singleShot(
                0, self, lambda: self._cameras_selected(self.sources.selected_cameras())
            )
        )
        self.connections.failed.connect(lambda _sid, text: self.show_status(text))
        self.job_dock.cancelRequested.connect(lambda job_id: self.tasks.spawn(self.engine.cancel(job_id)))
        self.job_dock.retryRequested.connect(self.retry_job)
        self.job_dock.removeRequested.connect(self._remove_job)
        self.job_dock.previewRequested.connect(self.preview)
        self.bridge.jobChanged.connect(self._job_changed)
        self.bridge.progressChanged.connect(self._progress)
        self._update_export_enabled()

    # --- start-up --------------------------------------------------------------------------------
    def start(self, *, restore: bool = True) -> None:
        """Restore window state, load jobs from the store and connect to the saved servers."""
        if not (restore and self.restore_state()):
            # First run: give the job list a good share of the height; the timeline needs little.
            self.resizeDocks([self.job_dock], [int(self.height() * 0.5)], Qt.Orientation.Vertical)
            self.resizeDocks([self.sources_dock], [290], Qt.Orientation.Horizontal)
        if self.engine is not None:
            self.job_model.load(self.engine.jobs())
            self.bridge.attach(self.engine)
        for server in self.servers.servers():
            self.connections.add(server.id, server.config)
        self._update_overall()
        self.ready.emit()

    def restore_state(self) -> bool:
        """Geometry and dock layout from QSettings; False when nothing was saved."""
        geometry = self.settings.value("window/geometry")
        if not isinstance(geometry, QByteArray):
            return False
        self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        return True

    def save_state(self) -> None:
        """Geometry and dock layout to QSettings."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Save window state before closing."""
        self.save_state()
        super().closeEvent(event)
        self.closed.emit()

    async def shutdown(self) -> None:
        """Stop background work and log out of every server (the engine is stopped by the app)."""
        self.recordings.stop()
        self.bridge.stop()
        self.tasks.cancel_all()
        await self.tasks.wait()  # let cancelled requests unwind before the HTTP client closes
        await self.connections.aclose()

    def add_demo_server(self, vendor: Vendor, url: str, user: str, password: str) -> str:
        """Add a built-in simulator as a server for this session only (password in memory)."""
        config = ServerConfig(vendor=vendor, url=url, user=user, name=f"{vendor.display_name} (demo)")
        return self.server_actions.add_server(config, password, persistent=False)

    async def show_demo_view(self) -> None:
        """Screenshot mode: wait for the servers, select cameras and a span, wait for their recordings."""
        await self.connections.wait_idle()
        online = [
            sid
            for sid in self.source_model.server_ids()
            if self.source_model.data(self.source_model.server_index(sid), StatusRole) is ServerStatus.ONLINE
        ]
        if not online:
            raise VmsDeskError("No demo server came online.")
        node = self.source_model.server(online[0])
        assert node is not None
        for i, camera in enumerate(node.cameras[:3]):
            self.sources.select_camera(node.server_id, camera.id, add=i > 0)
        end = datetime.now(UTC).replace(microsecond=0, second=0) - timedelta(minutes=30)
        self.centre.timeline.set_view(end - timedelta(hours=7), end + timedelta(hours=1))
        self.centre.set_span(TimeSpan(start=end - timedelta(minutes=45), end=end))
        await self.recordings.wait_loaded()

    # --- sources and timeline ---------------------------------------------------------------------
    def _cameras_selected(self, cameras: list[Any]) -> None:
        self.recordings.set_cameras(cameras)
        self.centre.set_camera_summary(cameras, self.connections)
        self._update_export_enabled()

    def _update_sources_summary(self) -> None:
        model = self.source_model
        ids = model.server_ids()
        online = [s for s in ids if model.data(model.server_index(s), StatusRole) is ServerStatus.ONLINE]
        cameras = sum(len(node.cameras) for s in online if (node := model.server(s)) is not None)
        text = f"{len(online)} of {len(ids)} servers online · {cameras} cameras" if ids else "No servers yet"
        self.sources_summary.setText(text)

    def _update_export_enabled(self) -> None:
        ready = bool(self.sources.selected_cameras()) and self.centre.span() is not None
        self.centre.export_button.setEnabled(ready)
        self.export_action.setEnabled(ready)

    # --- jobs --------------------------------------------------------------------------------------
    def _job_changed(self, record: JobRecord) -> None:
        previous = self.job_model.row_of(record.id)
        before = self.job_model.record(previous).state if previous >= 0 else None
        self.job_model.upsert(record)
        if before is not record.state and record.state in (JobState.DONE, JobState.FAILED):
            self.notifier.job_finished(record)
            self.show_status(
                f"{record.label}: {state_word(record.state).lower()}"
                + (f" — {record.error}" if record.error else "")
            )
        self._update_overall()

    def _progress(self, progress: Progress) -> None:
        self.job_model.apply_progress(progress)
        self._update_overall()

    def _update_overall(self) -> None:
        count, fraction = self.job_model.overall()
        self.overall.setVisible(count > 0)
        if count:
            self.overall.setValue(int(fraction * 1000))
            self.overall.setFormat(f"{count} job{'s' if count != 1 else ''} · %p%")

    def retry_job(self, job_id: str) -> QInputDialog | None:
        """Retry a job; secrets are never stored, so a job that had one asks for it again first."""
        row = self.job_model.row_of(job_id)
        if row < 0:
            return None
        job = self.job_model.record(row)
        missing = [name for name, value in job.request.options.items() if value == REDACTED]
        if not missing:
            self.tasks.spawn(self.engine.retry(job_id), name="retry")
            return None
        name = missing[0]
        ask = QInputDialog(self)
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

    def _remove_job(self, job_id: str) -> None:
        try:
            self.engine.remove(job_id)
        except VmsDeskError as exc:
            self.show_error(exc)
            return
        self.job_model.remove(job_id)

    # --- preview and evidence ---------------------------------------------------------------------
    def preview(self, path: Path) -> QWidget | None:
        """Open a file in the player or a viewer (a separate window, listed in `previews`)."""
        from vms_desk.ui.evidence_browser import open_preview

        widget = open_preview(Path(path), self)
        if widget is not None:
            self.previews.append(widget)
            widget.destroyed.connect(lambda: widget in self.previews and self.previews.remove(widget))
        return widget

    def open_evidence_folder(self, folder: Path | None = None) -> QWidget | None:
        """Pick an evidence folder and list its manifests' files with their verification result."""
        from vms_desk.ui.evidence_browser import EvidenceBrowser

        if folder is None:
            # open(), not the static getExistingDirectory(): a nested modal loop would stall asyncio.
            picker = QFileDialog(self, "Open evidence folder", str(self.export_flow.out_dir))
            picker.setObjectName("evidenceFolderPicker")
            picker.setFileMode(QFileDialog.FileMode.Directory)
            picker.setOption(QFileDialog.Option.ShowDirsOnly, True)
            picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            picker.fileSelected.connect(lambda chosen: self.open_evidence_folder(Path(chosen)))
            picker.open()
            return picker
        browser = EvidenceBrowser(folder, self.tasks, parent=self)
        browser.previewRequested.connect(self.preview)
        browser.show()
        return browser

    # --- messages ----------------------------------------------------------------------------------
    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        """A sentence in the status bar (kept until replaced unless a timeout is given)."""
        self.status_text.setText(text)
        self.status_text.setToolTip(text)
        if timeout_ms:
            # The label is the timer's context: Qt drops the call if the window is gone by then.
            QTimer.singleShot(
                timeout_ms,
                self.status_text,
                lambda: self.status_text.text() == text and self.status_text.clear(),
            )

    def show_error(self, error: VmsDeskError) -> None:
        """A typed error as a non-modal message box with its sentence."""
        self.show_status(str(error))
        box = QMessageBox(
            QMessageBox.Icon.Warning, "vms_desk", str(error), QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About vms_desk",
            f"vms_desk {__version__}\nExports video evidence from video management systems.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
