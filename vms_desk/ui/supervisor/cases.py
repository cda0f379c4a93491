"""The Cases panel: every case with its status and exports; new, close, hold and reopen (audited)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vms_desk.cases.rules import Case, CaseStatus
from vms_desk.core.errors import VmsDeskError
from vms_desk.core.times import local_zone
from vms_desk.ui.supervisor.custody_actions import CustodyActions

if TYPE_CHECKING:
    from vms_desk.workstation.root import Workstation

T = TypeVar("T")
AnyIndex = QModelIndex | QPersistentModelIndex
COL_NUMBER, COL_TITLE, COL_STATUS, COL_EXPORTS, COL_CREATED, COL_BY = range(6)
HEADERS = ("Number", "Title", "Status", "Exports", "Created", "Created by")
CaseRole = Qt.ItemDataRole.UserRole + 1


class CaseModel(QAbstractTableModel):
    """One row per case, newest first, with the number of jobs in it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Case, int]] = []
        self.zone = local_zone()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of cases."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """The COL_* columns."""
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        """Column titles."""
        ok = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        return HEADERS[section] if ok and 0 <= section < len(HEADERS) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Cell text, and the Case in CaseRole."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        case, count = self._rows[index.row()]
        if role == CaseRole:
            return case
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        created = case.created.astimezone(self.zone)
        return (
            case.number,
            case.title,
            str(case.status),
            str(count),
            f"{created:%Y-%m-%d %H:%M} {created.tzname() or ''}".strip(),
            case.created_by,
        )[index.column()]

    def load(self, rows: list[tuple[Case, int]]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()


class CasesPanel(QWidget):
    """The case list with its actions.

    Signals:
        caseChosen(str): a case was double-clicked (the board filters to it).
    """

    caseChosen = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, workstation: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("casesPanel")
        self.workstation = workstation
        self._running: set[asyncio.Task[None]] = set()
        self.model = CaseModel(self)
        self.view = QTableView(self, objectName="caseView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.verticalHeader().hide()
        self.view.doubleClicked.connect(self._chosen)
        self.numberEdit = QLineEdit(self, objectName="caseNumberEdit", placeholderText="New case number")
        self.titleEdit = QLineEdit(self, objectName="caseTitleEdit", placeholderText="Title")
        self.message = QLabel("", self, objectName="casesMessage", wordWrap=True)
        self.custody = CustodyActions(self, workstation, self.message.setText)
        row = QHBoxLayout()
        row.addWidget(self.numberEdit)
        row.addWidget(self.titleEdit, 1)
        actions: tuple[tuple[str, str, Callable[[], None]], ...] = (
            ("newCaseButton", "Create", self.create),
            ("closeCaseButton", "Close", lambda: self.set_status(CaseStatus.CLOSED)),
            ("holdCaseButton", "Hold", lambda: self.set_status(CaseStatus.ON_HOLD)),
            ("reopenCaseButton", "Reopen", lambda: self.set_status(CaseStatus.OPEN)),
            ("caseReportButton", "Report…", lambda: self._custody("report")),
            ("caseBundleButton", "Bundle…", lambda: self._custody("bundle")),
        )
        for name, text, slot in actions:
            button = QPushButton(text, self, objectName=name)
            button.clicked.connect(lambda *_, s=slot: s())
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)

    def refresh(self) -> None:
        """Read the cases and count their jobs."""
        counts = self.workstation.store.case_counts()  # counted by the store: no job is decoded
        self.model.load([(c, counts.get(c.number, 0)) for c in self.workstation.cases.cases()])

    def selected(self) -> Case | None:
        """The selected case."""
        rows = self.view.selectionModel().selectedRows()
        case = self.model.data(rows[0], CaseRole) if rows else None
        return case if isinstance(case, Case) else None

    def create(self) -> asyncio.Task[None]:
        """Create the case typed in the fields; a bad number is one sentence under the list. The store
        is written on its writer thread (a team store is a network away from the GUI thread)."""
        number, title = self.numberEdit.text(), self.titleEdit.text().strip()

        async def run() -> None:
            try:
                case = await self._write(self.workstation.cases.new, number, title=title, by=self.operator)
            except VmsDeskError as exc:
                self.message.setText(str(exc))
                return
            self.numberEdit.clear()
            self.titleEdit.clear()
            self.message.setText(f"Case {case.number} created (open).")
            self.refresh()

        return self._start(run())

    def set_status(self, status: CaseStatus) -> asyncio.Task[None] | None:
        """Close, hold or reopen the selected case (audited), on the store's writer thread."""
        case = self.selected()
        if case is None:
            self.message.setText("Select a case first.")
            return None

        async def run() -> None:
            try:
                changed = await self._write(
                    self.workstation.cases.set_status, case.number, status, by=self.operator
                )
            except VmsDeskError as exc:
                self.message.setText(str(exc))
                return
            self.message.setText(f"Case {changed.number} is {changed.status}.")
            self.refresh()

        return self._start(run())

    @property
    def operator(self) -> str:
        """Who is working (the audit entries name them)."""
        return self.workstation.operator

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.workstation.control.writer.call(fn, *args, **kwargs)

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._running.add(task)  # held until done (the loop keeps only weak references)
        task.add_done_callback(self._running.discard)
        return task

    def _custody(self, what: str) -> None:
        case = self.selected()
        if case is None:
            self.message.setText("Select a case first.")
        elif what == "report":
            self.custody.ask_report(case.number)
        else:
            self.custody.ask_bundle(case.number)

    def _chosen(self, index: QModelIndex) -> None:
        case = self.model.data(index, CaseRole)
        if isinstance(case, Case):
            self.caseChosen.emit(case.number)
