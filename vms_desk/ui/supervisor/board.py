"""The Supervisor window: filters over every job, the table, and the actions on the selected job.

Signals are the model's; actions go through the Workstation (engine for retry/cancel, Supervision for
annotate/re-verify), never to a vendor. Dialogs open with open(), never exec() (see SETUP-NOTES).

The rows come from the store a page at a time, filtered there (vms_desk.ui.supervisor.model); the free
text narrows the rows read so far (it looks at the row as shown, which SQL cannot see), and the view
reads further pages while the rows that pass do not fill it. Other workstations' changes arrive by the
StoreWatch (PostgreSQL's NOTIFY) or a poll every two seconds (SQLite); a line above the table says
when the team store is unreachable, and goes once the board has caught up after its return.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.errors import StorageError, VmsDeskError
from vms_desk.core.jobstate import JobState
from vms_desk.core.times import zone_label
from vms_desk.jobs.records import JobRecord
from vms_desk.present.board import BoardFilter, to_csv
from vms_desk.store.database import StoreUnreachable
from vms_desk.ui.shell.store_watch import BOARD, STORE_LINE_STYLE, StoreWatch
from vms_desk.ui.supervisor.cases import CasesPanel
from vms_desk.ui.supervisor.model import (
    COL_CASE,
    COL_OPERATOR,
    COL_SERVER,
    COL_WORKSTATION,
    BoardModel,
    BoardProxy,
    RecordRole,
)
from vms_desk.workstation.tasks import TaskSet

if TYPE_CHECKING:
    from vms_desk.workstation.root import Workstation

ANY = "(any)"
_STATE_CHOICES = [ANY, *(s.value for s in JobState)]
_CHOICE_FIELDS = {
    COL_CASE: "case",
    COL_OPERATOR: "operator",
    COL_WORKSTATION: "workstation",
    COL_SERVER: "server",
}
POLL_MS = 2000  # SQLite: how often the board looks for other processes' writes
RETRY_MS = 3000  # a read that found the store unreachable is tried again after this


class SupervisorBoard(QWidget):
    """Every job in the store: filter, sort, act, export the rows shown as CSV.

    Signals:
        playRequested(object): the Path of the selected job's exported file, to play or show.
    """

    playRequested = Signal(object)  # noqa: N815 - Qt signal naming

    def __init__(
        self,
        workstation: Workstation,
        tasks: TaskSet,
        parent: QWidget | None = None,
        *,
        watch: StoreWatch | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("supervisorBoard")
        self.setWindowTitle("vms_desk — Supervisor")
        self.workstation, self.tasks = workstation, tasks
        # The window's watch when it has one; a board on its own listens for itself.
        self._own_watch = watch is None
        self.watch = watch or StoreWatch(workstation.store.db, parent=self)
        self.model = BoardModel(self, store=workstation.store)
        self.proxy = BoardProxy(self)
        self.proxy.setSourceModel(self.model)
        self.combos: dict[int, QComboBox] = {}
        self._live = False  # between refresh() and close: following the store
        self._sized = False
        self._catching_up = False
        self._told_watch = False
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.store_line = QLabel(self, objectName="boardStoreLine", wordWrap=True)
        self.store_line.setStyleSheet(STORE_LINE_STYLE)
        self.store_line.hide()
        layout.addWidget(self.store_line)
        self.table = QTableView(self, objectName="boardView")
        self.table.setModel(self.proxy)
        # No column sorted at first: the store's order, newest first (a click sorts the rows read).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().hide()
        # Sizing the columns to their contents looks at the rows on screen only, not at every row read.
        self.table.verticalHeader().setResizeContentsPrecision(0)
        self.cases = CasesPanel(workstation, self)
        self.cases.caseChosen.connect(self.show_case)
        self.tabs = QTabWidget(self, objectName="boardTabs")
        jobs_tab = QWidget(self)
        jobs_layout = QVBoxLayout(jobs_tab)
        jobs_layout.setContentsMargins(0, 0, 0, 0)
        jobs_layout.addWidget(self.table)
        jobs_layout.addLayout(self._actions())
        self.tabs.addTab(jobs_tab, "Jobs")
        self.tabs.addTab(self.cases, "Cases")
        # The case list counts every job: read when it is looked at, not with each refresh of the jobs.
        self.tabs.currentChanged.connect(lambda index: index == 1 and self._live and self.cases.refresh())
        layout.addWidget(self.tabs)
        self.status = QLabel(self, objectName="boardStatus")
        layout.addWidget(self.status)
        self._wire()

    def _wire(self) -> None:
        self.proxy.rowsInserted.connect(self._count)
        self.proxy.rowsRemoved.connect(self._count)
        self.proxy.modelReset.connect(self._count)
        self.proxy.layoutChanged.connect(self._count)
        self.model.loaded.connect(self._loaded)
        self.model.readFailed.connect(self._read_failed)
        self.watch.jobsChanged.connect(self._jobs_changed)
        self.watch.problemChanged.connect(self._store_problem)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.model.poll)
        self._retry = QTimer(self, singleShot=True, interval=RETRY_MS)
        self._retry.timeout.connect(self._retry_read)

    # --- building --------------------------------------------------------------------------------
    def _filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for column, label, name in (
            (COL_CASE, "Case", "caseFilter"),
            (COL_OPERATOR, "Operator", "operatorFilter"),
            (COL_WORKSTATION, "Workstation", "workstationFilter"),
            (COL_SERVER, "Server", "serverFilter"),
        ):
            combo = QComboBox(self, objectName=name)
            combo.addItem(ANY)
            combo.currentIndexChanged.connect(self.apply_filter)
            self.combos[column] = combo
            row.addWidget(QLabel(label, self))
            row.addWidget(combo)
        self.state_combo = QComboBox(self, objectName="stateFilter")
        self.state_combo.addItems(_STATE_CHOICES)
        self.state_combo.currentIndexChanged.connect(self.apply_filter)
        row.addWidget(QLabel("State", self))
        row.addWidget(self.state_combo)
        self.since = QDateEdit(self, objectName="sinceFilter", calendarPopup=True)
        self.until = QDateEdit(self, objectName="untilFilter", calendarPopup=True)
        for edit, label in ((self.since, "From"), (self.until, "to")):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setSpecialValueText(" ")  # the minimum date reads as "no limit"
            edit.setMinimumDate(QDate(2000, 1, 1))
            edit.setDate(edit.minimumDate())
            edit.dateChanged.connect(self.apply_filter)
            row.addWidget(QLabel(label, self))
            row.addWidget(edit)
        self.problems = QCheckBox("Failed or unverified only", self, objectName="problemsFilter")
        self.problems.toggled.connect(self.apply_filter)
        row.addWidget(self.problems)
        self.search = QLineEdit(self, objectName="boardSearch", placeholderText="Search")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        row.addWidget(self.search, 1)
        return row

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, text, slot in (
            ("retry", "Retry", self.retry),
            ("cancel", "Cancel", self.cancel),
            ("reverify", "Re-verify", self.reverify),
            ("annotate", "Annotate…", self.annotate),
            ("move", "Move to workstation…", self.move_to_workstation),
            ("folder", "Open folder", self.open_folder),
            ("play", "Play", self.play),
            ("report", "Case report…", self.case_report),
            ("copy", "Copy SHA-256", self.copy_sha),
            ("csv", "Export CSV…", self.export_csv),
            ("refresh", "Refresh", self.refresh),
        ):
            button = QPushButton(text, self, objectName=f"board{name.title()}Button")
            button.clicked.connect(lambda *_, s=slot: s())
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        return row

    # --- data ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the jobs again from the store (other operators' and workstations' included) and follow
        its changes from now on; the rows arrive from the reader thread."""
        self._live = True
        if self._own_watch:
            self.watch.start()
        self.model.polls = not self.watch.live
        if self.model.polls and not self._poll.isActive():
            self._poll.start()
        store = self.workstation.store
        # The first page first: the choice lists (a scan of every job) can come a moment later.
        self.model.open(self.current_filter().query(), then=self._first_page, recount=True)
        self.model.reader.submit(
            lambda: {column: store.choices(field) for column, field in _CHOICE_FIELDS.items()},
            self._fill_choices,
            self.model.readFailed.emit,
        )
        self.proxy.set_filter(self.current_filter())
        if self.tabs.currentWidget() is self.cases:
            self.cases.refresh()
        self._show_problem(self.watch.problem)

    async def settled(self) -> None:
        """Until every read asked is applied (tests, screenshots)."""
        await self.model.reader.wait()

    def _fill_choices(self, choices: dict[int, list[str]]) -> None:
        for column, combo in self.combos.items():
            keep = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([ANY, *choices[column]])
            if keep != ANY and combo.findText(keep) < 0:
                combo.addItem(keep)  # a case chosen on the Cases tab before any export was made for it
            combo.setCurrentText(keep)
            combo.blockSignals(False)

    def _first_page(self) -> None:
        if not self._sized and self.model.rowCount():
            self._sized = True
            self.table.resizeColumnsToContents()
        self._caught_up()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Stop following the store (a closed board reads nothing); View › Supervisor opens it again."""
        self._live = False
        self._poll.stop()
        self._retry.stop()
        if self._own_watch:
            self.watch.stop()
        self.model.close()
        super().closeEvent(event)

    def _jobs_changed(self, ids: frozenset[str] | None) -> None:
        """Another workstation changed jobs (None: too many to name, or after a reconnection)."""
        if not self._live:
            return
        if ids is None:
            self.model.reread_all(then=self._caught_up)
        else:
            self.model.reread(ids)

    def _store_problem(self, problem: str) -> None:
        if not self._live:
            return
        if problem:
            self._show_problem(problem)
        elif not self.store_line.isHidden():
            # Back: the line goes once the rows are read again (what changed meanwhile was not heard).
            self._catching_up = True
            self.model.reread_all(then=self._caught_up)

    def _show_problem(self, problem: str) -> None:
        self._catching_up = False
        self.store_line.setText(problem)
        self.store_line.setVisible(bool(problem))

    def _caught_up(self) -> None:
        if self._catching_up and not self.watch.problem:
            self._catching_up = False
            self.store_line.hide()

    def _loaded(self) -> None:
        if self._told_watch:
            self._told_watch = False
            self.watch.report(BOARD, None)
        self._count()

    def _read_failed(self, error: StorageError) -> None:
        if isinstance(error, StoreUnreachable):
            self._told_watch = True
            self.watch.report(BOARD, error)
            if self._live:
                self._retry.start()
            return
        self._say(str(error))

    def _retry_read(self) -> None:
        if self._live:
            self.refresh()

    def show_case(self, number: str) -> None:
        """The Jobs tab, filtered to one case."""
        combo = self.combos[COL_CASE]
        if combo.findText(number) < 0:
            combo.addItem(number)
        combo.setCurrentText(number)
        self.tabs.setCurrentIndex(0)

    def job_changed(self, record: JobRecord) -> None:
        """This workstation's engine changed a job: its row follows."""
        if self._live:
            self.model.upsert(record)

    def current_filter(self) -> BoardFilter:
        """The filter the widgets describe."""

        def chosen(column: int) -> str:
            text = self.combos[column].currentText()
            return "" if text == ANY else text

        state = self.state_combo.currentText()
        return BoardFilter(
            case=chosen(COL_CASE),
            operator=chosen(COL_OPERATOR),
            workstation=chosen(COL_WORKSTATION),
            server=chosen(COL_SERVER),
            states=frozenset() if state == ANY else frozenset({JobState(state)}),
            since=self._day(self.since, 0),
            until=self._day(self.until, 1),
            problems_only=self.problems.isChecked(),
            text=self.search.text().strip(),
        )

    def _day(self, edit: QDateEdit, extra_days: int) -> datetime | None:
        """The date as an aware instant: local midnight (the next one for `until`), or None."""
        if edit.date() == edit.minimumDate():
            return None
        day = edit.date().addDays(extra_days).toPython()
        return datetime.combine(day, time(), tzinfo=self.model.zone).astimezone(UTC)

    def apply_filter(self) -> None:
        """Narrow the rows to the widgets' filter: the store reads the first page of a new query; the
        free text narrows the rows read."""
        wanted = self.current_filter()
        if self._live and wanted.query() != self.model.query:
            # The new page replaces every row and the proxy filters those: the rows held now need not
            # be filtered again on the way out.
            self.proxy.wanted = wanted
            self.model.open(wanted.query(), then=self._caught_up)
        else:
            self.proxy.set_filter(wanted)
        self._count()

    def _count(self) -> None:
        model, zone = self.model, zone_label(self.model.zone)
        if model.matching is None or model.total is None:
            self.status.setText(f"Reading the jobs… · times in {zone}")
            return
        text = self.proxy.wanted.text
        if text:
            counts = (
                f"{self.proxy.rowCount():,} of the {model.rowCount():,} job(s) read contain “{text}” "
                f"({model.matching:,} of {model.total:,} match the other filters)"
            )
        else:
            counts = f"{model.matching:,} of {model.total:,} job(s) match"
        self.status.setText(f"{counts} · times in {zone}")

    def selected(self) -> JobRecord | None:
        """The selected row's job."""
        rows = self.table.selectionModel().selectedRows()
        record = self.proxy.data(rows[0], RecordRole) if rows else None
        return record if isinstance(record, JobRecord) else None

    # --- actions ---------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.status.setText(text)

    def retry(self) -> None:
        """Queue the selected job again."""
        if (job := self.selected()) is not None:
            self.tasks.spawn(self.workstation.control.retry(job.id), name="board-retry")

    def cancel(self) -> None:
        """Cancel the selected job."""
        if (job := self.selected()) is not None:
            self.tasks.spawn(self.workstation.control.cancel(job.id), name="board-cancel")

    def reverify(self) -> None:
        """Hash the selected job's files again (in a thread); the row shows when and the result."""
        job = self.selected()
        if job is None:
            return

        async def run() -> None:
            try:
                record = await asyncio.to_thread(self.workstation.supervision.reverify, job.id)
            except VmsDeskError as exc:
                self._say(str(exc))
                return
            self.model.upsert(record)
            self._say(f"{record.label}: {'verified' if record.verified and record.verified.ok else 'FAILED'}")

        self.tasks.spawn(run(), name="board-reverify")

    def annotate(self) -> QInputDialog | None:
        """Ask for a note and add it to the job's events and the audit log."""
        job = self.selected()
        if job is None:
            return None
        ask = QInputDialog(self)
        ask.setObjectName("annotateDialog")
        ask.setWindowTitle("Annotate job")
        ask.setLabelText(f"A note on {job.label} (kept in its events and the audit log):")
        ask.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ask.textValueSelected.connect(lambda text: self._note(job.id, text))
        ask.open()
        return ask

    def _note(self, job_id: str, text: str) -> asyncio.Task[Any]:
        """Annotate on the store's writer thread (a team store is a network away), then the row."""

        async def run() -> None:
            try:
                writer = self.workstation.control.writer
                record = await writer.call(self.workstation.supervision.annotate, job_id, text)
            except VmsDeskError as exc:
                self._say(str(exc))
                return
            self.model.upsert(record)
            self._say("Note added.")

        return self.tasks.spawn(run(), name="board-annotate")

    def move_to_workstation(self) -> QInputDialog | None:
        """Ask which workstation may resume or retry the selected job (its own has died, or the
        export is to be made again elsewhere); the move is in the job's events and the audit log."""
        job = self.selected()
        if job is None:
            self._say("Select an interrupted, failed or cancelled job to move.")
            return None
        ask = QInputDialog(self)
        ask.setObjectName("moveDialog")
        ask.setWindowTitle("Move to another workstation")
        ask.setLabelText(
            f"{job.label} belongs to workstation {job.workstation or '(none)'}. The workstation that may "
            "resume or retry it from now on:"
        )
        ask.setComboBoxEditable(True)
        combo = self.combos[COL_WORKSTATION]
        known = [combo.itemText(i) for i in range(combo.count()) if combo.itemText(i) != ANY]
        # This workstation first (the usual move: the supervisor's own fetches it again), then the rest.
        names = dict.fromkeys([self.workstation.name, *known])
        offered = [name for name in names if name and name != job.workstation]
        ask.setComboBoxItems(offered)
        if offered:
            ask.setTextValue(offered[0])  # an editable combo starts empty otherwise
        ask.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ask.textValueSelected.connect(lambda name: self._move(job.id, name))
        ask.open()
        return ask

    def _move(self, job_id: str, workstation: str) -> asyncio.Task[Any]:
        """Reassign on the store's writer thread, then the row."""

        async def run() -> None:
            try:
                writer, supervision = self.workstation.control.writer, self.workstation.supervision
                record = await writer.call(supervision.reassign_workstation, job_id, workstation)
            except VmsDeskError as exc:
                self._say(str(exc))
                return
            self.model.upsert(record)
            self._say(f"{record.label} now belongs to workstation {record.workstation}.")

        return self.tasks.spawn(run(), name="board-move")

    def play(self) -> Path | None:
        """Play (or show) what the selected job exported: its first video, else its first file."""
        record = self.selected()
        if record is None or record.evidence_dir is None or not record.files:
            self._say("Select a finished export with a file to play.")
            return None
        names = [f.name for f in record.files]
        videos = [n for n in names if Path(n).suffix.lower() in (".mkv", ".mp4", ".avi", ".mov")]
        path = record.evidence_dir / (videos or names)[0]
        self.playRequested.emit(path)
        return path

    def case_report(self) -> QFileDialog | None:
        """The chain-of-custody report of the selected job's case (asks where to save the PDF)."""
        record = self.selected()
        if record is None or not record.case:
            self._say("Select an export that belongs to a case.")
            return None
        return self.cases.custody.ask_report(record.case)

    def open_folder(self) -> None:
        """Open the selected job's evidence folder in the file manager."""
        job = self.selected()
        if job is not None and job.evidence_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(job.evidence_dir)))

    def copy_sha(self) -> None:
        """Copy the selected job's full SHA-256 values to the clipboard."""
        job = self.selected()
        if job is not None and job.files:
            QGuiApplication.clipboard().setText("\n".join(f"{f.sha256}  {f.name}" for f in job.files))

    def export_csv(self, path: Path | None = None) -> QFileDialog | None:
        """Write the rows shown (filtered, in their order) as CSV; asks where unless `path` is given."""
        if path is not None:
            self.write_csv(path)
            return None
        dialog = QFileDialog(self, "Export the rows shown as CSV")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV (*.csv)")
        dialog.setDefaultSuffix("csv")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda name: self.write_csv(Path(name)))
        dialog.open()
        return dialog

    def write_csv(self, path: Path) -> None:
        """Write the CSV file; a failure is a sentence in the status line."""
        try:
            path.write_text(
                to_csv(self.proxy.visible_records(), self.model.zone), encoding="utf-8", newline=""
            )
        except OSError as exc:
            self._say(f"The CSV could not be written to {path} ({exc.strerror}): choose another place.")
            return
        self._say(f"{self.proxy.rowCount()} row(s) written to {path}.")
