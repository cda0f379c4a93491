"""The main window: sources (left), time fields, timeline and preview pane (centre), job dock (bottom),
status bar; menus carry every main action with its shortcut.

It is built in two steps, so that it shows before the store is open: `MainWindow(settings=...)` is the
visible skeleton (menus, sources, centre, job dock, status bar) and imports nothing of the engine, the
HTTP client or the store; `attach(workstation)` adds what works with them (connections, exports, jobs,
evidence, the store line) and enables the actions that were waiting for it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from vms_desk import __version__
from vms_desk.core.errors import VmsDeskError
from vms_desk.jobs.priority import yield_to_gui
from vms_desk.ui.jobs.dock import JobDock
from vms_desk.ui.jobs.model import JobTableModel
from vms_desk.ui.shell.centre import CentrePanel
from vms_desk.ui.shell.close_question import ask_keep_running, exports_running
from vms_desk.ui.shell.menus import WORKSTATION_ACTIONS, build_menus, set_tab_order
from vms_desk.ui.sources.source_model import ServerStatus, SourceModel, StatusRole
from vms_desk.ui.sources.source_tree import CameraRef, SourcePanel
from vms_desk.workstation.tasks import TaskSet

if TYPE_CHECKING:
    from vms_desk.core.models import Vendor
    from vms_desk.jobs.control import JobControl
    from vms_desk.ui.evidence.actions import EvidenceActions
    from vms_desk.ui.export.exporting import ExportFlow
    from vms_desk.ui.jobs.actions import JobActions
    from vms_desk.ui.jobs.bridge import EngineBridge
    from vms_desk.ui.jobs.dock import TrayNotifier
    from vms_desk.ui.jobs.working_copy import WorkingCopyFlow
    from vms_desk.ui.shell.store_watch import StoreWatch
    from vms_desk.ui.sources.connections import Connections
    from vms_desk.ui.sources.server_actions import ServerActions
    from vms_desk.ui.supervisor.board import SupervisorBoard
    from vms_desk.ui.timeline.case_marks import CaseMarks
    from vms_desk.ui.timeline.recordings import RecordingsLoader
    from vms_desk.workstation.root import Workstation
    from vms_desk.workstation.servers import ServersStore

log = logging.getLogger(__name__)

OPENING_TEXT = "Opening the job store…"


class MainWindow(QMainWindow):
    """Composes the panels and wires them to the connections, the engine and the store.

    Signals:
        attached(): the Workstation is attached; every action is available.
        ready(): the jobs are loaded and the saved servers are being connected.
        closed(): the user closed the window (the app then stops the engine and quits).
    """

    attached = Signal()
    ready = Signal()
    closed = Signal()

    # Made by attach(), once the Workstation is open.
    workstation: Workstation | None
    engine: JobControl
    servers: ServersStore
    connections: Connections
    recordings: RecordingsLoader
    case_marks: CaseMarks
    server_actions: ServerActions
    export_flow: ExportFlow
    bridge: EngineBridge
    notifier: TrayNotifier
    evidence: EvidenceActions
    store_watch: StoreWatch
    job_actions: JobActions
    working_copy: WorkingCopyFlow

    def __init__(self, *, settings: QSettings, out_dir: Path | None = None) -> None:
        """The skeleton: every panel the user sees, empty, with the actions that need the Workstation
        disabled until `attach`."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"vms_desk {__version__} — video evidence export")
        self.settings = settings
        self.workstation = None
        self._out_dir = out_dir
        self._laid_out = False
        self.tasks = TaskSet(self.show_error)
        # Closing with exports running asks whether they run on without the window (close_question);
        # the app turns it off where they could not: the demo servers end with the window.
        self.background_allowed = True
        self.keep_exports = False  # the answer: the app detaches the engine process instead of stopping it
        self._close_answered = False
        self.close_box: QMessageBox | None = None

        # Downloads yield the CPU to this window's thread (see jobs.priority).
        yield_to_gui()
        self.source_model = SourceModel(self)
        self.sources = SourcePanel(self.source_model)
        self.sources.setMinimumWidth(220)
        self.sources.add_button.setEnabled(False)
        self.centre = CentrePanel(self)

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

        self._build_status_bar()
        self._build_store_bar()
        self.supervisor: SupervisorBoard | None = None
        self.menu_actions = build_menus(self)
        self.export_action = self.menu_actions["exportAction"]
        for name in WORKSTATION_ACTIONS:
            self.menu_actions[name].setEnabled(False)
        self.source_model.dataChanged.connect(lambda *_: self._update_sources_summary())
        self.source_model.rowsRemoved.connect(lambda *_: self._update_sources_summary())
        self.centre.spanChanged.connect(lambda *_: self._update_export_enabled())
        self._update_export_enabled()
        set_tab_order(self)
        self.resize(1280, 820)
        self.show_status(OPENING_TEXT)

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

    def _build_store_bar(self) -> None:
        """One line under the menus while the team store is unreachable (the listener, the engine's
        writes or the board found it so); exports go on meanwhile. Hidden until attach() watches."""
        self.store_line = QLabel("", objectName="storeLine")
        # The whole width of the window, on one line.
        self.store_line.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.store_bar = QToolBar("Team store", self, objectName="storeBar")
        self.store_bar.setMovable(False)
        self.store_bar.setFloatable(False)
        self.store_bar.toggleViewAction().setVisible(False)  # not the user's to hide: it goes by itself
        self.store_bar.addWidget(self.store_line)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.store_bar)
        self.store_bar.hide()

    def attach(self, workstation: Workstation) -> None:
        """Wire the window to the open Workstation (on the GUI thread; the window may be shown already):
        connections, recordings, case marks, exports, jobs, evidence and the store line."""
        # Imported here, not at the top: the first paint does not wait for the engine, httpx, the
        # export dialogs or the player.
        from vms_desk.cases.rules import CaseStatus
        from vms_desk.ui.evidence.actions import EvidenceActions
        from vms_desk.ui.export.exporting import ExportFlow
        from vms_desk.ui.jobs.actions import JobActions
        from vms_desk.ui.jobs.bridge import EngineBridge
        from vms_desk.ui.jobs.dock import TrayNotifier
        from vms_desk.ui.jobs.working_copy import WorkingCopyFlow
        from vms_desk.ui.shell.store_watch import STORE_LINE_STYLE, StoreWatch
        from vms_desk.ui.sources.connections import Connections
        from vms_desk.ui.sources.server_actions import ServerActions
        from vms_desk.ui.timeline.case_marks import CaseMarks
        from vms_desk.ui.timeline.recordings import RecordingsLoader

        if self.workstation is not None:
            raise RuntimeError("The window already has its Workstation.")
        self.workstation = workstation
        self.engine = engine = workstation.control
        self.servers = workstation.servers
        self.connections = Connections(self.source_model, workstation.clients, self)
        self.recordings = RecordingsLoader(self.connections, self.centre.timeline, self.tasks, self)
        self.case_marks = CaseMarks(
            self.centre.case_combo,
            self.centre.timeline,
            loader=self.recordings,
            connections=self.connections,
            workstation=workstation,
            tasks=self.tasks,
            parent=self,
        )
        self.server_actions = ServerActions(
            self,
            servers=self.servers,
            connections=self.connections,
            check=workstation.check_server,
            tasks=self.tasks,
            on_error=self.show_error,
        )
        self.export_flow = ExportFlow(
            self,
            self.connections,
            engine,
            self.tasks,
            self.settings,
            out_dir=self._out_dir or workstation.out_dir(),
            operator=workstation.operator,
            clock_check=workstation.measure_clock,
            case_check=workstation.case_for_export,
            case_numbers=lambda: [c.number for c in workstation.cases.cases() if c.status is CaseStatus.OPEN],
        )
        self.bridge = EngineBridge(parent=self)
        self.notifier = TrayNotifier(self)
        self.evidence = EvidenceActions(
            self,
            self.centre.preview,
            self.job_model,
            engine,
            self.tasks,
            status=self.show_status,
            out_dir=lambda: self.export_flow.out_dir,
        )
        self.store_watch = StoreWatch(workstation.store.db, engine, self)
        self.store_line.setStyleSheet(STORE_LINE_STYLE)
        self.store_watch.problemChanged.connect(self._store_problem)
        self.job_actions = JobActions(
            self,
            model=self.job_model,
            engine=engine,
            tasks=self.tasks,
            evidence=self.evidence,
            notifier=self.notifier,
            overall=self.overall,
        )
        self.working_copy = WorkingCopyFlow(self, self.tasks, self.show_status, workstation.audit)
        self._wire()
        for name in WORKSTATION_ACTIONS:
            self.menu_actions[name].setEnabled(True)
        self.sources.add_button.setEnabled(True)
        self._update_export_enabled()
        if self.status_text.text() == OPENING_TEXT:
            self.show_status("")
        self.attached.emit()

    def _store_problem(self, problem: str) -> None:
        self.store_line.setText(problem)
        self.store_bar.setVisible(bool(problem))

    def find_camera(self) -> None:
        """Ctrl+F: put the cursor in the camera filter, its text selected to type over."""
        self.sources_dock.show()
        self.sources.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.sources.filter.selectAll()

    def _wire(self) -> None:
        self.sources.camerasSelected.connect(self._cameras_selected)
        self.sources.addRequested.connect(self.server_actions.add)
        self.sources.editRequested.connect(self.server_actions.edit)
        self.sources.removeRequested.connect(self.server_actions.remove)
        self.sources.refreshRequested.connect(self.connections.refresh)
        self.sources.exportRequested.connect(self.export_flow.start)
        self.centre.export_button.clicked.connect(self.export_flow.start)
        # Removing a server removes its camera rows without a selection signal: re-read the selection.
        self.source_model.rowsRemoved.connect(
            lambda *_: QTimer.singleShot(
                0, self, lambda: self._cameras_selected(self.sources.selected_cameras())
            )
        )
        self.connections.failed.connect(lambda _sid, text: self.show_status(text))
        self.job_dock.cancelRequested.connect(self.job_actions.cancel)
        self.job_dock.retryRequested.connect(self.job_actions.retry)
        self.job_dock.removeRequested.connect(self.job_actions.remove)
        self.job_dock.previewRequested.connect(self.preview)
        self.job_dock.currentJobChanged.connect(self.evidence.show_job)
        self.job_dock.workingCopyRequested.connect(self.working_copy.start)
        self.bridge.jobChanged.connect(self.job_actions.job_changed)
        self.bridge.progressChanged.connect(self.job_actions.progress)

    # --- start-up --------------------------------------------------------------------------------
    def lay_out(self, *, restore: bool = True) -> None:
        """Geometry and dock layout saved last time (`restore`), or the first run's; once, before the
        window is shown (the app) or started (the tests)."""
        if self._laid_out:
            return
        self._laid_out = True
        if not (restore and self.restore_state()):
            # First run: the job list gets a third of the height; the centre keeps the rest, where the
            # preview pane under the timeline takes what the timeline does not need.
            self.resizeDocks([self.job_dock], [int(self.height() * 0.34)], Qt.Orientation.Vertical)
            self.resizeDocks([self.sources_dock], [280], Qt.Orientation.Horizontal)

    def start(self, *, restore: bool = True) -> None:
        """Load jobs from the store and connect to the saved servers (after attach); lays the window out
        first if that was not done yet."""
        self.lay_out(restore=restore)
        if self.workstation is None:
            raise RuntimeError("attach() the Workstation before start().")
        self._store_problem(self.store_watch.problem)  # a saved layout may have kept the bar shown
        self.store_watch.start()
        self.job_model.load(self.engine.jobs())
        self.bridge.attach(self.engine)
        self.bridge.jobChanged.connect(self.case_marks.job_changed)
        # Loading keyring's backends takes a while: a worker thread does it while the window is first
        # painted (the first saved server's password lookup then finds it done, or waits for it).
        self.tasks.spawn(asyncio.to_thread(self.servers.vault.probe), name="keyring-probe")
        self.case_marks.refresh_cases()
        for server in self.servers.servers():
            self.connections.add(server.id, server.config)
        self.job_actions.update_overall()
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
        columns = self.settings.value("window/jobColumns")
        if isinstance(columns, QByteArray):
            self.job_dock.view.horizontalHeader().restoreState(columns)
        return True

    def save_state(self) -> None:
        """Geometry and dock layout to QSettings."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/jobColumns", self.job_dock.view.horizontalHeader().saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Ask about running exports (keep them running, or stop them); save window state; free the
        player before its native window goes."""
        if not self._close_answered and self.background_allowed and self.workstation is not None:
            count = exports_running(self.workstation.control, self.job_model.records())
            choice = self.workstation.settings.exports_on_close
            if count and choice == "ask":
                event.ignore()
                if self.close_box is None:
                    self.close_box = ask_keep_running(self, count, self._close_answer)
                return
            self.keep_exports = bool(count) and choice == "keep"
        self.save_state()
        if self.workstation is not None:
            self.evidence.close_all()
        super().closeEvent(event)
        self.closed.emit()

    def _close_answer(self, keep: bool | None, every_time: bool) -> None:
        self.close_box = None
        if keep is None:
            return  # the user stays
        if every_time and self.workstation is not None:
            from vms_desk.settings import remember_setting

            path = self.workstation.home / "settings.json"
            try:
                remember_setting(path, "exports_on_close", "keep" if keep else "stop")
            except (OSError, ValueError) as exc:  # the choice still applies to this close
                log.warning("could not remember the choice in %s: %s", path, exc)
        self.keep_exports, self._close_answered = keep, True
        self.close()

    def close_now(self) -> None:
        """Close without asking (a signal, the test harness): running exports stop, resumably."""
        self._close_answered = True
        self.close()

    async def shutdown(self) -> None:
        """Stop background work and log out of every server (the engine is stopped by the app)."""
        attached = self.workstation is not None
        if attached:
            self.recordings.stop()
            self.store_watch.stop()
            self.bridge.stop()
        self.tasks.cancel_all()
        await self.tasks.wait()  # let cancelled requests unwind before the HTTP client closes
        if attached:
            await self.connections.aclose()

    def add_demo_server(self, vendor: Vendor, url: str, user: str, password: str) -> str:
        """Add a built-in simulator as a server for this session only (password in memory)."""
        from vms_desk.core.models import ServerConfig

        config = ServerConfig(vendor=vendor, url=url, user=user, name=f"{vendor.display_name} (demo)")
        return self.server_actions.add_server(config, password, persistent=False)

    async def show_demo_view(self) -> None:
        """Screenshot mode: wait for the servers, select cameras and a span, wait for their recordings."""
        from vms_desk.core.models import TimeSpan

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
    def _cameras_selected(self, cameras: list[CameraRef]) -> None:
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
        ready = (
            self.workstation is not None
            and bool(self.sources.selected_cameras())
            and self.centre.span() is not None
        )
        self.centre.export_button.setEnabled(ready)
        self.export_action.setEnabled(ready)

    # --- jobs (vms_desk/ui/jobs/actions.py) -------------------------------------------------------
    def show_supervisor(self) -> SupervisorBoard:
        """View › Supervisor: the board over every job in the store (one window, raised when open)."""
        from vms_desk.ui.supervisor.board import SupervisorBoard

        if self.workstation is None:
            raise RuntimeError("The supervisor board needs the Workstation: attach() it first.")
        if self.supervisor is None:
            self.supervisor = SupervisorBoard(self.workstation, self.tasks, self, watch=self.store_watch)
            self.bridge.jobChanged.connect(self.supervisor.job_changed)
            self.supervisor.playRequested.connect(self.evidence.open_window)
            self.supervisor.resize(1400, 600)
        self.supervisor.refresh()
        self.supervisor.show()
        self.supervisor.raise_()
        return self.supervisor

    def retry_job(self, job_id: str) -> QInputDialog | None:
        """Retry a job; one that had a secret asks for it again first (the prompt is returned)."""
        return self.job_actions.retry(job_id)

    # --- preview and evidence (vms_desk/ui/evidence/actions.py) ------------------------------------
    def preview(self, path: Path) -> QWidget:
        """Play or show a file in the preview pane under the timeline; the page that shows it."""
        return self.evidence.preview(Path(path))

    def open_evidence_folder(self, folder: Path | None = None) -> QWidget:
        """Pick an evidence folder (None) or browse one: its files with their verification result."""
        return self.evidence.open_evidence_folder(folder)

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
        self.show_notice(str(error))

    def show_notice(self, text: str) -> None:
        """A sentence the user must see (an error, a damaged file set aside) in a non-modal box."""
        self.show_status(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "vms_desk", text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
