"""The board's table model (one row per job, COL_* columns, raw values in SortRole) and its filter proxy."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from vms_desk.core.jobstate import JobState
from vms_desk.core.times import local_zone, zone_label
from vms_desk.jobs.records import JobRecord
from vms_desk.present.board import (
    BoardFilter,
    clock_text,
    human_size,
    server_label,
    short_sha,
    size_of,
    state_text,
)
from vms_desk.present.job_text import format_span

AnyIndex = QModelIndex | QPersistentModelIndex

(
    COL_CASE,
    COL_OPERATOR,
    COL_WORKSTATION,
    COL_SERVER,
    COL_CAMERA,
    COL_REQUESTED,
    COL_ACTUAL,
    COL_STATE,
    COL_SIZE,
    COL_SHA,
    COL_CLOCK,
    COL_VERIFIED,
    COL_MESSAGE,
) = range(13)
COLUMNS = 13
HEADERS = (
    "Case",
    "Operator",
    "Workstation",
    "Vendor/server",
    "Camera",
    "Requested",
    "Actual",
    "State",
    "Size",
    "SHA-256",
    "Server clock",
    "Last verified",
    "Message",
)
RecordRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2  # raw values: times sort as times, sizes as numbers

_RED, _ORANGE = "#c62828", "#e65100"


class BoardModel(QAbstractTableModel):
    """Every job in the store, newest first."""

    def __init__(self, parent: QObject | None = None, zone: tzinfo | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[JobRecord] = []
        self.zone = zone or local_zone()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of jobs (a flat table)."""
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """The COL_* columns."""
        return 0 if parent.isValid() else COLUMNS

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        """Titles; the span columns name the zone their times are shown in."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < COLUMNS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            title = HEADERS[section]
            return f"{title} ({zone_label(self.zone)})" if section in (COL_REQUESTED, COL_ACTUAL) else title
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Cell text, tooltips, colours, the record and the sort value."""
        if not index.isValid() or not 0 <= index.row() < len(self._jobs):
            return None
        job, column = self._jobs[index.row()], index.column()
        answer = {
            Qt.ItemDataRole.DisplayRole: lambda: self._text(job, column),
            RecordRole: lambda: job,
            SortRole: lambda: self._sort_value(job, column),
            Qt.ItemDataRole.ToolTipRole: lambda: self._tooltip(job, column),
            Qt.ItemDataRole.ForegroundRole: lambda: self._colour(job, column),
        }.get(role)
        return answer() if answer is not None else None

    def _text(self, job: JobRecord, column: int) -> str:
        verified = job.verified
        cells = {
            COL_CASE: job.case or "",
            COL_OPERATOR: job.operator or "",
            COL_WORKSTATION: job.workstation,
            COL_SERVER: server_label(job),
            COL_CAMERA: job.camera_name or job.camera_id,
            COL_REQUESTED: format_span(job.request.span, self.zone),
            COL_ACTUAL: format_span(job.actual, self.zone) if job.actual else "",
            COL_STATE: state_text(job),
            COL_SIZE: human_size(job),
            COL_SHA: short_sha(job),
            COL_CLOCK: clock_text(job),
            COL_VERIFIED: (
                f"{verified.when.astimezone(self.zone):%Y-%m-%d %H:%M} {'ok' if verified.ok else 'FAILED'}"
                if verified
                else ""
            ),
            COL_MESSAGE: job.error,
        }
        return cells[column]

    def _sort_value(self, job: JobRecord, column: int) -> object:
        if column == COL_REQUESTED:
            return job.request.span.start.timestamp()
        if column == COL_ACTUAL:
            return job.actual.start.timestamp() if job.actual else 0.0
        if column == COL_SIZE:
            return size_of(job)
        if column == COL_CLOCK:
            return job.clock.server_offset_s if job.clock and job.clock.server_offset_s is not None else 0.0
        return self._text(job, column).casefold()

    def _tooltip(self, job: JobRecord, column: int) -> str | None:
        if column == COL_SHA and job.files:
            return "\n".join(f"{f.name}: {f.sha256}" for f in job.files)
        if column == COL_CLOCK and job.clock is not None:
            return job.clock.sentence()
        if column == COL_REQUESTED:
            span = job.request.span
            return f"{span.start:%Y-%m-%d %H:%M:%S} – {span.end:%Y-%m-%d %H:%M:%S} UTC"
        if column == COL_VERIFIED and job.verified is not None:
            return job.verified.detail
        return None

    @staticmethod
    def _colour(job: JobRecord, column: int) -> QBrush | None:
        if column == COL_STATE and job.state in (JobState.FAILED, JobState.INTERRUPTED):
            return QBrush(QColor(_RED))
        if column == COL_CLOCK and job.clock is not None and job.clock.off:
            return QBrush(QColor(_ORANGE))
        if column == COL_VERIFIED and job.verified is not None and not job.verified.ok:
            return QBrush(QColor(_RED))
        return None

    # --- updates ---------------------------------------------------------------------------------
    def load(self, records: list[JobRecord]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._jobs = sorted(records, key=lambda r: (r.created, r.id), reverse=True)
        self.endResetModel()

    def upsert(self, job: JobRecord) -> None:
        """A new job at the top, or a known one's new record."""
        row = next((i for i, r in enumerate(self._jobs) if r.id == job.id), -1)
        if row < 0:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._jobs.insert(0, job)
            self.endInsertRows()
            return
        self._jobs[row] = job
        self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMNS - 1))

    def records(self) -> list[JobRecord]:
        """Every record, newest first."""
        return list(self._jobs)

    def values(self, column: int) -> list[str]:
        """The distinct texts of a column, sorted (the filter combos' choices)."""
        return sorted({self._text(j, column) for j in self._jobs} - {""}, key=str.casefold)


class BoardProxy(QSortFilterProxyModel):
    """Filters rows with a BoardFilter (the same rules as `vms-desk jobs`) and sorts by SortRole."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.wanted = BoardFilter()
        self.setSortRole(SortRole)

    def set_filter(self, wanted: BoardFilter) -> None:
        """Show only the jobs `wanted` matches."""
        self.beginFilterChange()
        self.wanted = wanted
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802
        """True when the row's job passes the filter."""
        model = self.sourceModel()
        record = model.data(model.index(source_row, 0, source_parent), RecordRole)
        zone = model.zone if isinstance(model, BoardModel) else None
        return isinstance(record, JobRecord) and self.wanted.matches(record, zone)

    def visible_records(self) -> list[JobRecord]:
        """The filtered rows' jobs in the order shown."""
        rows = (self.data(self.index(r, 0), RecordRole) for r in range(self.rowCount()))
        return [r for r in rows if isinstance(r, JobRecord)]
