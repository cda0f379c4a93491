"""The job table model over the engine's store (newest first), and its state/search filter proxy."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from vms_desk.core.jobstate import JobState
from vms_desk.core.times import local_zone, zone_label
from vms_desk.jobs.listeners import JobProgress
from vms_desk.present.job_text import bytes_tooltip, format_span, human_bytes, human_duration, state_word

if TYPE_CHECKING:
    from vms_desk.jobs.records import JobRecord

AnyIndex = QModelIndex | QPersistentModelIndex

# COL_STATE is the state with its progress (drawn as a bar by the dock's delegate): one column, not two.
COL_STATE, COL_CAMERA, COL_SPAN, COL_BYTES, COL_ETA, COL_SHA, COL_ERROR = range(7)
COLUMNS = 7
_HEADERS = {
    COL_STATE: "State",
    COL_CAMERA: "Camera (format)",
    COL_SPAN: "Span",
    COL_BYTES: "Transferred",
    COL_ETA: "ETA",
    COL_SHA: "SHA-256",
    COL_ERROR: "Message",
}

SHA_DIGITS = 8  # of the SHA-256 shown in its column
# A server that reports the same progress this long is shown as waiting without progress: shorter
# pauses are ordinary between two status polls.
STILL_SHOWN = 30.0

JobIdRole = Qt.ItemDataRole.UserRole + 1
RecordRole = Qt.ItemDataRole.UserRole + 2
StateRole = Qt.ItemDataRole.UserRole + 3
ProgressRole = Qt.ItemDataRole.UserRole + 4  # float 0..1, or -1.0 when unknown (busy bar)
ProgressTextRole = Qt.ItemDataRole.UserRole + 5

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_JOB_ID, _RECORD, _STATE, _PROGRESS, _PROGRESS_TEXT = (
    int(r) for r in (JobIdRole, RecordRole, StateRole, ProgressRole, ProgressTextRole)
)
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

_STATE_COLOUR = {
    JobState.DONE: "#2e7d32",
    JobState.FAILED: "#c62828",
    JobState.CANCELLED: "#757575",
    JobState.INTERRUPTED: "#e65100",
}


@dataclass
class _Live:
    """Transfer figures between store writes, from the throttled bridge."""

    done: int = 0
    total: int | None = None
    rate: float = 0.0
    server_progress: float | None = None
    still_since: float | None = None  # monotonic time the server's progress last changed
    phase_started: float = 0.0  # monotonic time the current state was first seen (for ETA)
    phase_state: JobState | None = None


class JobTableModel(QAbstractTableModel):
    """One row per job, newest first; COL_* columns; records in RecordRole."""

    def __init__(self, parent: QObject | None = None, zone: tzinfo | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[JobRecord] = []
        self._live: dict[str, _Live] = {}
        self._texts: dict[str, tuple[str | None, ...]] = {}
        self._brushes = {state: QBrush(QColor(colour)) for state, colour in _STATE_COLOUR.items()}
        self.zone = zone or local_zone()

    # --- Qt interface ----------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of jobs (0 under any valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """The COL_* columns."""
        return 0 if parent.isValid() else COLUMNS

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        """The cell's index. Qt's own asks rowCount and columnCount first: two calls into Python for
        every cell of every repaint, where this is one."""
        if parent.isValid() or not (0 <= row < len(self._jobs) and 0 <= column < COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        """Column titles; the span column names the zone its times are in."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < COLUMNS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == COL_SPAN:
            return f"Times in {zone_label(self.zone)}"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Cell text, tooltips, colours and the custom roles."""
        # Asked for about ten roles per cell on every repaint while downloads run: roles this model
        # never answers return at once, and a row's texts are made once per change (_row_texts).
        answer = _ANSWERS.get(role)
        row = index.row()
        if answer is None or not 0 <= row < len(self._jobs) or not index.isValid():
            return None
        return answer(self, self._jobs[row], index.column())

    def cell(self, row: int, column: int) -> tuple[str, QBrush | None, int | None]:
        """(text, colour or None, alignment or None) of a cell: what the job view's delegates paint,
        read without a call through Qt per role."""
        job = self._jobs[row]
        text = self._row_texts(job)[column] if 0 <= column < COLUMNS else None
        align = _RIGHT_ALIGNED if column in (COL_BYTES, COL_ETA) else None
        return text or "", self._foreground(job, column), align

    def bar(self, row: int) -> tuple[JobState, float, str]:
        """(state, progress 0..1 or -1, text) of a row's state cell."""
        job = self._jobs[row]
        return (
            job.state,
            self._fraction(job, self._live.get(job.id, _Live())),
            self._row_texts(job)[COL_STATE] or "",
        )

    def _foreground(self, job: JobRecord, column: int) -> QBrush | None:
        return self._brushes.get(job.state) if column in (COL_STATE, COL_ERROR) else None

    def _cell_tooltip(self, job: JobRecord, column: int) -> str | None:
        return self._tooltip(job, self._live.get(job.id, _Live()), column)

    def _cell_fraction(self, job: JobRecord, _column: int) -> float:
        return self._fraction(job, self._live.get(job.id, _Live()))

    def _row_texts(self, job: JobRecord) -> tuple[str | None, ...]:
        """Every cell's text of a job's row, kept until its record or figures change (a row waiting on
        the server is made afresh each time: its ETA and 'no progress for …' follow the clock)."""
        texts = self._texts.get(job.id)
        if texts is None:
            live = self._live.get(job.id, _Live())
            texts = tuple(self._display(job, live, column) for column in range(COLUMNS))
            if job.state is not JobState.PROCESSING:
                self._texts[job.id] = texts
        return texts

    def _display(self, job: JobRecord, live: _Live, column: int) -> str | None:
        cells = {
            COL_STATE: lambda: self._progress_text(job, live),
            COL_CAMERA: lambda: job.label,
            COL_SPAN: lambda: format_span(job.request.span, self.zone),
            COL_BYTES: lambda: self._bytes_text(job, live),
            COL_ETA: lambda: self._eta_text(job, live),
            COL_ERROR: lambda: self._message(job),
            COL_SHA: lambda: self._sha_text(job),
        }
        cell = cells.get(column)
        return cell() if cell is not None else None

    @staticmethod
    def _message(job: JobRecord) -> str:
        if job.error:
            return job.error
        if job.state is JobState.DONE and job.server_path and not job.files:
            return f"Left on the server: {job.server_path}"
        return ""

    @staticmethod
    def _sha_text(job: JobRecord) -> str:
        if not job.files:
            return ""
        more = f" (+{len(job.files) - 1})" if len(job.files) > 1 else ""
        # Eight hex digits tell files apart at a glance (as git's short ids do); the tooltip and the
        # preview pane have all 64.
        return job.files[0].sha256[:SHA_DIGITS] + "…" + more

    def _eta_text(self, job: JobRecord, live: _Live) -> str:
        eta = self._eta(job, live)
        if eta is None:
            return ""
        return human_duration(eta) if eta >= 1 else "< 1 s"  # "0 s" reads as "stuck"

    def details(self, job: JobRecord) -> str:
        """Everything about one job in a few plain lines (the preview pane's text, copyable)."""
        lines = [f"{job.label} on {job.server.label} — {state_word(job.state)}"]
        lines.append(f"Span {format_span(job.request.span, self.zone)} · {zone_label(self.zone)}")
        who = [f"Case {job.case}" if job.case else "", f"Operator {job.operator}" if job.operator else ""]
        if any(who):
            lines.append(" · ".join(w for w in who if w))
        if job.error:
            lines.append(job.error)
        if job.evidence_dir:
            lines.append(f"Evidence folder: {job.evidence_dir}")
        for f in job.files:
            lines += [f"{f.name} — {human_bytes(f.size)}", f"SHA-256 {f.sha256}"]
        if job.server_path:
            lines.append(f"On the server: {job.server_path}")
        return "\n".join(lines)

    def _tooltip(self, job: JobRecord, live: _Live, column: int) -> str | None:
        """The cell in full (cells are cut at the column's width), with what the cell leaves out."""
        span, files = job.request.span, job.files
        folder = f"Evidence folder: {job.evidence_dir}" if job.evidence_dir else ""
        tips = {
            COL_STATE: lambda: "\n".join(t for t in (self._progress_text(job, live), job.error, folder) if t),
            COL_CAMERA: lambda: f"{job.camera_name} (id {job.camera_id})\n{job.server.label}\nJob {job.id}",
            COL_SPAN: lambda: (
                f"{format_span(span, self.zone)} ({zone_label(self.zone)})\n"
                f"{span.start:%Y-%m-%d %H:%M:%S} – {span.end:%Y-%m-%d %H:%M:%S} UTC"
            ),
            COL_BYTES: lambda: bytes_tooltip(job),
            COL_ETA: lambda: "Estimated time left for this step" if self._eta_text(job, live) else "",
            COL_SHA: lambda: "\n".join(f"{f.name}  {human_bytes(f.size)}\nSHA-256 {f.sha256}" for f in files),
            COL_ERROR: lambda: self._message(job),
        }
        tip = tips[column]() if column in tips else ""
        return tip or None

    # --- figures ---------------------------------------------------------------------------------
    @staticmethod
    def _fraction(job: JobRecord, live: _Live) -> float:
        if job.state in (JobState.DONE, JobState.VERIFYING):
            return 1.0
        if job.state is JobState.PROCESSING:
            server = live.server_progress if live.server_progress is not None else job.progress
            return max(0.0, min(1.0, server))
        if job.state is JobState.DOWNLOADING:
            done, total = max(live.done, job.bytes_done), live.total or job.bytes_total
            return max(0.0, min(1.0, done / total)) if total else -1.0
        if job.state in (JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED):
            total = job.bytes_total
            return min(1.0, job.bytes_done / total) if total else 0.0
        return 0.0

    def _progress_text(self, job: JobRecord, live: _Live) -> str:
        fraction = self._fraction(job, live)
        word = state_word(job.state)
        if job.state in (JobState.PROCESSING, JobState.DOWNLOADING) and fraction >= 0:
            return f"{word} {fraction:.0%}{self._still_text(job, live)}"
        return word

    @staticmethod
    def _still_text(job: JobRecord, live: _Live) -> str:
        """' · waiting, no progress for 2 min 05 s' while the server's export stands still."""
        if job.state is not JobState.PROCESSING or live.still_since is None:
            return ""
        still = time.monotonic() - live.still_since
        return f" · waiting, no progress for {human_duration(still)}" if still >= STILL_SHOWN else ""

    @staticmethod
    def _bytes_text(job: JobRecord, live: _Live) -> str:
        if job.state is JobState.DONE and job.files:
            return human_bytes(sum(f.size for f in job.files))
        done, total = max(live.done, job.bytes_done), live.total or job.bytes_total
        if not done and not total:
            return ""
        text = human_bytes(done)
        if total:
            whole = human_bytes(total)
            # "1.2 of 4.0 MB" rather than "1.2 MB of 4.0 MB" when the units agree: the column stays narrow.
            same_unit = text.split()[-1] == whole.split()[-1]
            text = f"{text.rsplit(' ', 1)[0]} of {whole}" if same_unit else f"{text} of {whole}"
        if job.state is JobState.DOWNLOADING and live.rate > 0:
            text += f" · {human_bytes(live.rate)}/s"
        return text

    def _eta(self, job: JobRecord, live: _Live) -> float | None:
        if job.state is JobState.DOWNLOADING:
            total = live.total or job.bytes_total
            if total and live.rate > 0:
                return max(0.0, (total - max(live.done, job.bytes_done)) / live.rate)
            return None
        if job.state is JobState.PROCESSING and live.phase_state is JobState.PROCESSING:
            # The server gives only a fraction: extrapolate from how long it took to get this far.
            fraction = self._fraction(job, live)
            elapsed = time.monotonic() - live.phase_started
            if 0.05 <= fraction < 1.0 and elapsed > 0.5:
                return elapsed * (1 - fraction) / fraction
        return None

    # --- updates ---------------------------------------------------------------------------------
    def load(self, records: list[JobRecord]) -> None:
        """Replace every row (records oldest first, as the store lists them)."""
        self.beginResetModel()
        self._jobs = sorted(records, key=lambda r: (r.created, r.id), reverse=True)
        self._live = {r.id: _Live() for r in records}
        self._texts.clear()
        self.endResetModel()

    def row_of(self, job_id: str) -> int:
        """Row of a job, or -1."""
        return next((i for i, r in enumerate(self._jobs) if r.id == job_id), -1)

    def record(self, row: int) -> JobRecord:
        """The record in a row."""
        return self._jobs[row]

    def records(self) -> list[JobRecord]:
        """Every record, in row order (newest first)."""
        return list(self._jobs)

    def upsert(self, job: JobRecord) -> None:
        """Insert a new job at the top, or replace a known one's record."""
        row = self.row_of(job.id)
        live = self._live.setdefault(job.id, _Live())
        self._texts.pop(job.id, None)
        if live.phase_state is not job.state:
            live.phase_state, live.phase_started = job.state, time.monotonic()
            if job.state is not JobState.DOWNLOADING:
                live.rate = 0.0
        if row < 0:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._jobs.insert(0, job)
            self.endInsertRows()
            return
        self._jobs[row] = job
        self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMNS - 1))

    def remove(self, job_id: str) -> None:
        """Drop a job's row."""
        row = self.row_of(job_id)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._jobs[row]
        self._live.pop(job_id, None)
        self._texts.pop(job_id, None)
        self.endRemoveRows()

    def apply_progress(self, progress: JobProgress) -> None:
        """Take the bridge's latest figures for one job and repaint only the changing cells."""
        row = self.row_of(progress.job_id)
        if row < 0:
            return
        live = self._live.setdefault(progress.job_id, _Live())
        live.done, live.total, live.rate = progress.done, progress.total, progress.rate
        if progress.server_progress is not None:
            live.server_progress = progress.server_progress
        live.still_since = progress.still_since
        self._texts.pop(progress.job_id, None)
        self.dataChanged.emit(self.index(row, COL_STATE), self.index(row, COL_ETA))

    def overall(self) -> tuple[int, float]:
        """(active job count, their mean progress 0..1) for the status bar."""
        active = [r for r in self._jobs if r.state.active or r.state is JobState.QUEUED]
        if not active:
            return 0, 1.0
        fractions = [max(0.0, self._fraction(r, self._live.get(r.id, _Live()))) for r in active]
        return len(active), sum(fractions) / len(fractions)


# What each answered role returns for (model, job, column); any other role is None at once.
_ANSWERS: dict[int, Callable[[JobTableModel, JobRecord, int], object]] = {
    _DISPLAY: lambda m, job, column: m._row_texts(job)[column] if 0 <= column < COLUMNS else None,
    _FOREGROUND: JobTableModel._foreground,
    _ALIGNMENT: lambda _m, _job, column: _RIGHT_ALIGNED if column in (COL_BYTES, COL_ETA) else None,
    _TOOLTIP: JobTableModel._cell_tooltip,
    _JOB_ID: lambda _m, job, _column: job.id,
    _RECORD: lambda _m, job, _column: job,
    _STATE: lambda _m, job, _column: job.state,
    _PROGRESS: JobTableModel._cell_fraction,
    _PROGRESS_TEXT: lambda m, job, _column: m._row_texts(job)[COL_STATE],
}
