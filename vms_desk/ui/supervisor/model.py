"""The board's table model (one row per job, COL_* columns, raw values in SortRole) and its filter proxy.

A team store holds 100,000 jobs and more, so the model holds a window of them: the first page of the
jobs the filter matches (newest first), and the next page each time the view scrolls to the end
(canFetchMore/fetchMore). The store runs the filter (JobQuery, in SQL); every read runs on the
BoardReader's thread and its result is applied here, on the GUI thread. Live updates re-read only
the jobs that changed and put them in place: a job in the window is replaced, a new one inside the
window's range is inserted where it belongs, one that no longer matches leaves. On SQLite, which has
no NOTIFY, `poll()` asks for the jobs written since the last look.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, tzinfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from vms_desk.core.errors import StorageError
from vms_desk.core.jobstate import JobState
from vms_desk.core.times import local_zone, zone_label
from vms_desk.jobs.query import JobQuery
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
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
from vms_desk.ui.supervisor.reader import BoardReader

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
PAGE = 100  # jobs per read: a few screenfuls, decoded in about 20 ms
RECOUNT_SECONDS = 1.0  # live changes: the counts are read again at most this often
POLL_LIMIT = 500  # more changes than this since the last poll: re-read the window instead
# A poll looks this far back before the newest change it saw: two processes' commits may land in
# another order than their clocks read (a job already up to date is left alone).
POLL_OVERLAP = timedelta(seconds=2)


def _key(record: JobRecord) -> tuple[datetime, str]:
    """The board's order, newest first: by this key, descending."""
    return record.created, record.id


class BoardModel(QAbstractTableModel):
    """The jobs the filter matches, newest first, read from the store a page at a time (see the module
    docstring); without a store, `load()` sets the rows.

    Signals:
        loaded(): a read was applied (a page, a re-read, live changes); counts may have changed.
        readFailed(object): a read failed; the StorageError says why in a sentence.
    """

    loaded = Signal()
    readFailed = Signal(object)  # noqa: N815 - Qt signal naming

    def __init__(
        self,
        parent: QObject | None = None,
        zone: tzinfo | None = None,
        *,
        store: JobStore | None = None,
        page_size: int = PAGE,
    ) -> None:
        super().__init__(parent)
        self._jobs: list[JobRecord] = []
        self._rows: dict[str, int] | None = {}  # id -> row; None: to be rebuilt
        self._texts: dict[str, tuple[JobRecord, tuple[str, ...]]] = {}  # id -> (record, its cells)
        self._roles: dict[int, Callable[[JobRecord, int], object]] = {
            int(Qt.ItemDataRole.DisplayRole): self._text,
            int(RecordRole): lambda job, _column: job,
            int(SortRole): self._sort_value,
            int(Qt.ItemDataRole.ToolTipRole): self._tooltip,
            int(Qt.ItemDataRole.ForegroundRole): self._colour,
        }
        self.zone = zone or local_zone()
        self.store = store
        self.page_size = page_size
        self.reader = BoardReader(self)
        self.query = JobQuery()
        self.matching: int | None = None  # jobs the query matches in the store
        self.total: int | None = None  # jobs in the store
        self._more = False  # the store holds matching jobs older than the last row
        self._fetching = False
        self._generation = 0  # bumped by open(): reads asked under an older query are dropped
        # SQLite: poll() looks for writes newer than the newest `updated` seen. Only then is that read
        # (PostgreSQL's boards hear NOTIFY, and its `updated` has no index to find the newest by).
        self.polls = False
        self._last_write: datetime | None = None
        self._polling = False
        self.recount_interval = RECOUNT_SECONDS
        self._counted_at = -float("inf")
        self._recount_timer = QTimer(self, singleShot=True)
        self._recount_timer.timeout.connect(lambda: self._count(everything=True))

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
        # The view asks for a dozen roles per cell as it paints: the ones not shown here return at once.
        answer = self._roles.get(int(role))
        return answer(self._jobs[index.row()], index.column()) if answer is not None else None

    def _cells(self, job: JobRecord) -> tuple[str, ...]:
        """The row's texts, made once per record (each cell is painted, sized and sorted many times)."""
        cached = self._texts.get(job.id)
        if cached is not None and cached[0] is job:
            return cached[1]
        verified = job.verified
        cells = (
            job.case or "",
            job.operator or "",
            job.workstation,
            server_label(job),
            job.camera_name or job.camera_id,
            format_span(job.request.span, self.zone),
            format_span(job.actual, self.zone) if job.actual else "",
            state_text(job),
            human_size(job),
            short_sha(job),
            clock_text(job),
            (
                f"{verified.when.astimezone(self.zone):%Y-%m-%d %H:%M} {'ok' if verified.ok else 'FAILED'}"
                if verified
                else ""
            ),
            job.error,
        )
        self._texts[job.id] = (job, cells)
        return cells

    def _text(self, job: JobRecord, column: int) -> str:
        return self._cells(job)[column]

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

    # --- reading from the store ------------------------------------------------------------------
    def open(self, query: JobQuery, then: Callable[[], None] | None = None, *, recount: bool = False) -> None:
        """Show the jobs `query` matches: its first page replaces the rows once it is read (then `then`
        runs); the counts follow in a read of their own, so that counting 100,000 jobs never holds the
        rows back. Every job is counted the first time and with `recount` (a refresh), not on each
        filter change."""
        store = self._need_store()
        self._generation += 1
        generation = self._generation
        self.query = query
        self._fetching = True
        size, polls = self.page_size, self.polls

        def read() -> tuple[list[JobRecord], datetime | None]:
            return store.page(query, size), (store.last_change() if polls else None)

        def apply(result: tuple[list[JobRecord], datetime | None]) -> None:
            if generation != self._generation:
                return
            rows, last = result
            self.beginResetModel()
            self._jobs = rows
            self._rows = None
            self._texts.clear()
            self._more = len(rows) == size
            self._fetching = False
            self.matching = None  # counted next
            self.endResetModel()
            self._saw(last)
            self.loaded.emit()
            if then is not None:
                then()

        self.reader.submit(read, apply, self._failed(generation))
        self._count(everything=recount or self.total is None)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        """True while the store holds older matching jobs than the last row and none is being read."""
        return not parent.isValid() and self._more and not self._fetching and self.store is not None

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008, N802
        """Read the next page (older jobs); the view asks when it shows the last row."""
        if not self.canFetchMore(parent):
            return
        store = self._need_store()
        generation, query, size = self._generation, self.query, self.page_size
        last = self._jobs[-1] if self._jobs else None
        self._fetching = True

        def apply(rows: list[JobRecord]) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            self._more = len(rows) == size
            known = self._index()
            rows = [r for r in rows if r.id not in known]
            if rows:
                self.beginInsertRows(QModelIndex(), len(self._jobs), len(self._jobs) + len(rows) - 1)
                self._jobs.extend(rows)
                self._rows = None
                self.endInsertRows()
            self.loaded.emit()

        self.reader.submit(lambda: store.page(query, size, before=last), apply, self._failed(generation))

    def reread(self, ids: Iterable[str]) -> None:
        """Another process changed these jobs: read them and put them in place (or take them out)."""
        store = self._need_store()
        wanted = frozenset(ids)
        if not wanted:
            return

        def apply(found: dict[str, JobRecord]) -> None:
            self.changed(found.values(), gone=wanted - found.keys())
            self._recount()

        self.reader.submit(lambda: store.get_many(wanted), apply, self._failed(self._generation))

    def reread_all(self, then: Callable[[], None] | None = None) -> None:
        """Read the rows shown again (after an outage: what changed meanwhile was not heard); `then`
        runs once they are in place."""
        store = self._need_store()
        generation, query, polls = self._generation, self.query, self.polls
        size = max(self.page_size, len(self._jobs))

        def read() -> tuple[list[JobRecord], datetime | None]:
            return store.page(query, size), (store.last_change() if polls else None)

        def apply(result: tuple[list[JobRecord], datetime | None]) -> None:
            if generation != self._generation:
                return
            fresh, last = result
            self._resync(fresh, complete=len(fresh) < size)
            self._saw(last)
            self.loaded.emit()
            if then is not None:
                then()

        self.reader.submit(read, apply, self._failed(generation))
        self._count(everything=True)

    def poll(self) -> None:
        """SQLite: read the jobs written since the last look (another process, e.g. a CLI export)."""
        if self._polling or self.store is None:
            return
        store, since = self.store, self._last_write
        after = since - POLL_OVERLAP if since is not None else None
        self._polling = True

        def apply(rows: list[JobRecord]) -> None:
            self._polling = False
            if len(rows) == POLL_LIMIT:
                self.reread_all()
                return
            self.changed(rows)
            if rows:
                self._saw(max(r.updated for r in rows))
                self._recount()

        def failed(error: StorageError) -> None:
            self._polling = False
            self.readFailed.emit(error)

        self.reader.submit(lambda: store.changed_since(after, POLL_LIMIT), apply, failed)

    def _recount(self) -> None:
        """Count again after live changes: at once, or (when the last count is recent) once the
        interval is over. A busy team changes jobs many times a second, and counting every job is a
        scan on PostgreSQL."""
        if self.store is None or self._recount_timer.isActive():
            return
        wait = self._counted_at + self.recount_interval - time.monotonic()
        if wait <= 0:
            self._count(everything=True)
        else:
            self._recount_timer.start(int(wait * 1000) + 1)

    def _count(self, *, everything: bool) -> None:
        """Read how many jobs the query matches (and, with `everything`, how many there are)."""
        store, query, generation = self._need_store(), self.query, self._generation
        self._counted_at = time.monotonic()

        def read() -> tuple[int, int | None]:
            return store.count(query), (store.count() if everything else None)

        def apply(result: tuple[int, int | None]) -> None:
            if generation == self._generation:
                self.matching = result[0]
                self.total = result[1] if result[1] is not None else self.total
                self.loaded.emit()

        self.reader.submit(read, apply, self.readFailed.emit)

    def _failed(self, generation: int) -> Callable[[StorageError], None]:
        def failed(error: StorageError) -> None:
            if generation == self._generation:
                self._fetching = False
            self.readFailed.emit(error)

        return failed

    def _need_store(self) -> JobStore:
        if self.store is None:
            raise RuntimeError("this board model has no store to read from")
        return self.store

    def _saw(self, last: datetime | None) -> None:
        if last is not None and (self._last_write is None or last > self._last_write):
            self._last_write = last

    def close(self) -> None:
        """End the reader thread (after the reads asked); it closes its store connection first."""
        store = self.store
        self.reader.close(store.db.close if store is not None else None)

    # --- putting records in place -----------------------------------------------------------------
    def _index(self) -> dict[str, int]:
        if self._rows is None:
            self._rows = {r.id: i for i, r in enumerate(self._jobs)}
        return self._rows

    def _in_window(self, record: JobRecord) -> bool:
        """True when the job belongs among the rows held: not older than the last one, unless every
        matching job is held (then it belongs anywhere)."""
        return not self._more or not self._jobs or _key(record) >= _key(self._jobs[-1])

    def _position(self, record: JobRecord) -> int:
        """Where the job goes, newest first (binary search)."""
        low, high, key = 0, len(self._jobs), _key(record)
        while low < high:
            middle = (low + high) // 2
            if _key(self._jobs[middle]) > key:
                low = middle + 1
            else:
                high = middle
        return low

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        self._texts.pop(self._jobs[row].id, None)
        del self._jobs[row]
        self._rows = None
        self.endRemoveRows()

    def changed(self, records: Iterable[JobRecord], gone: Iterable[str] = ()) -> None:
        """Jobs changed: replace the rows held, insert new matching ones inside the window, drop ones
        that no longer match, and the `gone` ones (removed from the store)."""
        for record in records:
            row = self._index().get(record.id)
            if not self.query.matches(record):
                if row is not None:
                    self._remove(row)
                continue
            if row is None:
                if self._in_window(record):
                    position = self._position(record)
                    self.beginInsertRows(QModelIndex(), position, position)
                    self._jobs.insert(position, record)
                    self._rows = None
                    self.endInsertRows()
                continue
            # The last record to arrive wins, whatever its `updated` says: that is each workstation's own
            # clock, and one running slow must not have its writes ignored. A read that crossed a newer
            # write is followed by that write's own notification (or the next poll) and is put right.
            if record == self._jobs[row]:
                continue
            self._jobs[row] = record
            self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMNS - 1))
        for job_id in gone:
            row = self._index().get(job_id)
            if row is not None:
                self._remove(row)
        self.loaded.emit()

    def _resync(self, fresh: list[JobRecord], *, complete: bool) -> None:
        """Make the rows the store's `fresh` newest ones: drop held rows in their range that are not
        among them (`complete`: fresh holds every matching job), then put each fresh one in place."""
        ids = {r.id for r in fresh}
        floor = None if complete or not fresh else _key(fresh[-1])
        for row in reversed(range(len(self._jobs))):
            held = self._jobs[row]
            if held.id not in ids and (floor is None or _key(held) >= floor):
                self._remove(row)
        self._more = not complete
        self.changed(fresh)

    def load(self, records: list[JobRecord]) -> None:
        """Replace every row (a model without a store)."""
        self.beginResetModel()
        self._jobs = sorted(records, key=_key, reverse=True)
        self._texts.clear()
        self._rows = None
        self._more = False
        self.matching = self.total = len(self._jobs)
        self.endResetModel()

    def upsert(self, job: JobRecord) -> None:
        """A new job in its place, or a known one's new record (this workstation's engine, an action)."""
        known = job.id in self._index()
        self.changed([job])
        if not known and job.id in self._index() and self.total is not None and self.matching is not None:
            self.total += 1
            self.matching += 1

    def records(self) -> list[JobRecord]:
        """Every record held, newest first."""
        return list(self._jobs)

    def values(self, column: int) -> list[str]:
        """The distinct texts of a column among the rows held, sorted."""
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
