"""The source tree's filter: the rows the tree shows, held in a C++ item model that Python edits in bulk.

A tree view calls into its model for every visible row on each re-layout (index() once, flags() twice), so
a Python model, however lean, cost about 50 ms of Python per keystroke that brought 10,000 cameras back.
The view therefore talks only to SourceFilterProxy, a QStandardItemModel that overrides none of the
methods views call, and Python only decides which rows it holds:

* a filter pass is a substring test on each camera's case-folded text (ServerNode.folded);
* each server has two rows kept ready: `full`, holding a row for every camera (built once, when the
  cameras arrive), and `part`, holding clones of the rows the filter shows. A server shown whole swaps
  its `full` row in: two row signals however many cameras come back. A server shown in part has its
  `part` row edited by row ranges, so that the rows that stay keep their selection;
* the view's selection is carried across a swap (keep_selection), and every change is bracketed by
  aboutToRefilter/refiltered, so that the panel reports the selection once.

Tooltips and the typed roles of camera rows are not copied into the items (that would slow the loading of
the cameras): read them from the source model through mapToSource.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel

from vms_desk.ui.sources.source_model import (
    KIND_SERVER,
    AnyIndex,
    KindRole,
    ServerIdRole,
    ServerNode,
    SourceModel,
    camera_is_grey,
    grey_brush,
    server_foreground,
    server_text,
    status_icon,
)

if TYPE_CHECKING:
    from vms_desk.core.models import Camera

_SERVER_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_CAMERA_NOT_EXPORTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren


def _camera_rows(node: ServerNode) -> list[QStandardItem]:
    """One item per camera: its text, and only where it differs from the default, flags and colour.

    Items keep QStandardItem's default flags (the panel's tree edits nothing and drags nothing): one Python
    call per camera is what loading 10,000 of them costs.
    """
    items = [QStandardItem(text) for text in node.texts]
    grey = grey_brush()
    for item, camera in zip(items, node.cameras, strict=True):
        if not camera.exportable:
            item.setFlags(_CAMERA_NOT_EXPORTABLE)
        if camera_is_grey(camera):
            item.setForeground(grey)
    return items


def _fill_server(item: QStandardItem, node: ServerNode) -> None:
    """Write a server's text, status icon, colour and roles into its row (unchanged values signal nothing)."""
    item.setText(server_text(node))
    item.setIcon(status_icon(node.status))
    item.setData(server_foreground(node), Qt.ItemDataRole.ForegroundRole)
    item.setData(KIND_SERVER, KindRole)
    item.setData(node.server_id, ServerIdRole)


def _server_row(node: ServerNode) -> QStandardItem:
    item = QStandardItem()
    item.setFlags(_SERVER_FLAGS)
    _fill_server(item, node)
    return item


def _runs(rows: list[int], member: set[int]) -> list[tuple[int, int]]:
    """The [start, stop) position ranges of `rows` whose values are not in `member`."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, row in enumerate(rows):
        if row in member:
            if start >= 0:
                runs.append((start, i))
                start = -1
        elif start < 0:
            start = i
    if start >= 0:
        runs.append((start, len(rows)))
    return runs


class _Mirror:
    """A source server's two ready rows (see the module docstring) and which of them the model holds."""

    __slots__ = ("cameras", "full", "node", "part", "rows", "shown", "templates")

    def __init__(self, node: ServerNode) -> None:
        self.node = node
        self.cameras = node.cameras  # ServerNode.set_cameras assigns a new list: a different list is stale
        self.templates = _camera_rows(node)
        self.full = _server_row(node)
        if self.templates:
            self.full.appendRows(self.templates)  # the items now belong to `full`; clones are made from them
        self.part = _server_row(node)
        self.rows: list[int] = []  # source rows of the cameras under `part`, ascending
        self.shown: QStandardItem | None = None

    def wanted(self, needle: str) -> list[int] | None:
        """The source rows of the cameras to show: None for all of them, [] to hide the server."""
        if not needle or needle in server_text(self.node).casefold():
            return None
        return [i for i, text in enumerate(self.node.folded) if needle in text]

    def set_part(self, rows: list[int]) -> None:
        """Make `part` hold the cameras at `rows`: remove and insert ranges, leaving the rows that stay."""
        old, item = self.rows, self.part
        if rows == old:
            return
        for start, stop in reversed(_runs(old, set(rows))):
            item.removeRows(start, stop - start)
        templates = self.templates
        for start, stop in _runs(rows, set(old)):  # ascending: every row before `start` is in place
            item.insertRows(start, [templates[r].clone() for r in rows[start:stop]])
        self.rows = rows

    def source_row(self, item: QStandardItem, row: int) -> int:
        """The source row of the camera at `row` under `item` (full or part)."""
        return row if item is self.full else self.rows[row]

    def row_in(self, item: QStandardItem, source_row: int) -> int:
        """The row under `item` (full or part) of the camera at `source_row`, or -1 when not there."""
        if item is self.full:
            return source_row if source_row < len(self.templates) else -1
        at = bisect_left(self.rows, source_row)
        return at if at < len(self.rows) and self.rows[at] == source_row else -1


class SourceFilterProxy(QStandardItemModel):
    """Case-insensitive filter over a SourceModel: a camera match keeps its server, a server match all.

    Signals:
        aboutToRefilter(), refiltered(): bracket every change of the rows, by the filter or the source;
            in between, mapToSource and camera_at answer nothing.
    """

    aboutToRefilter = Signal()  # noqa: N815 - Qt signal naming
    refiltered = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Sources"])  # also makes the one column
        self._needle = ""
        self._source: SourceModel | None = None
        self._mirrors: dict[ServerNode, _Mirror] = {}
        self._shown: list[_Mirror] = []  # the mirrors of the top-level rows, in row order
        self._selection: QItemSelectionModel | None = None
        self._depth = 0

    # --- filter -----------------------------------------------------------------------------------
    def setFilterFixedString(self, text: str) -> None:  # noqa: N802 - the QSortFilterProxyModel name callers know
        """Show only rows whose display text contains `text` (case-insensitive)."""
        self._needle = text
        with self._change():
            self._apply()

    def filter_text(self) -> str:
        """The current filter string."""
        return self._needle

    def shown_servers(self) -> list[QModelIndex]:
        """The index of every visible server (to expand them in one go)."""
        return [self.index(row, 0) for row in range(len(self._shown))]

    def keep_selection(self, selection: QItemSelectionModel) -> None:
        """Carry this view selection across the swap of a server's row for its other copy."""
        self._selection = selection

    # --- source wiring ----------------------------------------------------------------------------
    def setSourceModel(self, model: SourceModel) -> None:  # noqa: N802 - the proxy name callers know
        """Mirror a SourceModel: its structure changes, status changes and the filter edit these rows."""
        self._source = model
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.rowsMoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(self._sync)
        model.dataChanged.connect(self._source_data_changed)
        self._sync()

    def sourceModel(self) -> SourceModel | None:  # noqa: N802 - the proxy name callers know
        """The mirrored SourceModel."""
        return self._source

    @contextmanager
    def _change(self) -> Iterator[None]:
        self._depth += 1
        if self._depth == 1:
            self.aboutToRefilter.emit()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.refiltered.emit()

    def _sync(self, *_args: object) -> None:
        """Follow the source's servers and cameras: drop what went or changed, build what is new, filter."""
        if self._source is None:
            return
        with self._change():
            nodes = self._source.servers()
            alive = set(nodes)
            for node, mirror in list(self._mirrors.items()):
                if node not in alive or mirror.cameras is not node.cameras:
                    self._drop(mirror)
            for node in nodes:
                if node not in self._mirrors:
                    self._mirrors[node] = _Mirror(node)
            self._apply()

    def _drop(self, mirror: _Mirror) -> None:
        del self._mirrors[mirror.node]
        if mirror.shown is not None:
            row = self._shown.index(mirror)
            del self._shown[row]
            self.takeRow(row)  # handed back to Python, which frees the rows with the mirror

    def _source_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, _roles: object = None
    ) -> None:
        if self._source is None:
            return
        owner = top_left.internalPointer()
        if isinstance(owner, ServerNode):  # a camera's data (this model sends none): build its server again
            with self._change():
                if owner in self._mirrors:
                    self._drop(self._mirrors[owner])
                self._sync()
            return
        servers = self._source.servers()
        for row in range(top_left.row(), bottom_right.row() + 1):
            mirror = self._mirrors.get(servers[row])
            if mirror is not None:
                _fill_server(mirror.full, mirror.node)
                _fill_server(mirror.part, mirror.node)
        if self._needle:  # a server's status text may now match or stop matching
            with self._change():
                self._apply()

    # --- applying the filter ------------------------------------------------------------------------
    def _apply(self) -> None:
        """One pass over the servers in source order; the top-level rows stay in that order throughout."""
        if self._source is None:
            return
        needle = self._needle.casefold()
        pos = 0  # rows above are final; a mirror still shown from before sits at `pos`
        for node in self._source.servers():
            mirror = self._mirrors[node]
            rows = mirror.wanted(needle)
            if rows is not None and not rows:
                if mirror.shown is not None:
                    del self._shown[pos]
                    mirror.shown = None
                    self.takeRow(pos)  # kept in the mirror for when it shows again
                continue
            target = mirror.full
            if rows is not None:
                mirror.set_part(rows)  # in place when shown, else detached, where it signals nothing
                target = mirror.part
            if mirror.shown is None:
                self._shown.insert(pos, mirror)
                mirror.shown = target
                self.insertRow(pos, target)
            elif mirror.shown is not target:
                self._swap(pos, mirror, target)
            pos += 1

    def _swap(self, pos: int, mirror: _Mirror, target: QStandardItem) -> None:
        """Put the server's other copy in its row at `pos`, carrying the selection and current row over."""
        outgoing = mirror.shown
        assert outgoing is not None
        selection = (
            self._selection if self._selection is not None and self._selection.model() is self else None
        )
        selected: list[int] = []
        server_selected, current = False, -1
        if selection is not None:
            parent = self.index(pos, 0)
            spans = selection.selection()
            for span in (spans.at(i) for i in range(spans.count())):
                if span.parent() == parent:
                    selected += [mirror.source_row(outgoing, r) for r in range(span.top(), span.bottom() + 1)]
                elif not span.parent().isValid() and span.top() <= pos <= span.bottom():
                    server_selected = True
            at = selection.currentIndex()
            if at.isValid() and at.parent() == parent:
                current = mirror.source_row(outgoing, at.row())
        del self._shown[pos]
        self.takeRow(pos)
        self._shown.insert(pos, mirror)
        mirror.shown = target
        self.insertRow(pos, target)
        if selection is not None:
            self._reselect(selection, pos, mirror, selected, server_selected=server_selected, current=current)

    def _reselect(
        self,
        selection: QItemSelectionModel,
        pos: int,
        mirror: _Mirror,
        source_rows: list[int],
        *,
        server_selected: bool,
        current: int,
    ) -> None:
        parent = self.index(pos, 0)
        target = mirror.shown
        assert target is not None
        rows = sorted(r for r in (mirror.row_in(target, s) for s in source_rows) if r >= 0)
        chosen = QItemSelection()
        if server_selected:
            chosen.select(parent, parent)
        start = 0
        for i in range(1, len(rows) + 1):  # one range per run of adjacent rows
            if i == len(rows) or rows[i] != rows[i - 1] + 1:
                chosen.select(self.index(rows[start], 0, parent), self.index(rows[i - 1], 0, parent))
                start = i
        flags = QItemSelectionModel.SelectionFlag
        if not chosen.isEmpty():
            selection.select(chosen, flags.Select | flags.Rows)
        row = mirror.row_in(target, current) if current >= 0 else -1
        if row >= 0:
            selection.setCurrentIndex(self.index(row, 0, parent), flags.NoUpdate)

    # --- mapping ----------------------------------------------------------------------------------
    def mapFromSource(self, source: AnyIndex) -> QModelIndex:  # noqa: N802 - the proxy name callers know
        """The index of a source row here, or invalid when filtered out."""
        if not source.isValid() or self._source is None:
            return QModelIndex()
        owner = source.internalPointer()
        if owner is None:
            mirror = self._mirrors.get(self._source.servers()[source.row()])
            return self.indexFromItem(mirror.shown) if mirror is not None and mirror.shown else QModelIndex()
        mirror = self._mirrors.get(owner)
        if mirror is None or mirror.shown is None:
            return QModelIndex()
        row = mirror.row_in(mirror.shown, source.row())
        return self.index(row, 0, self.indexFromItem(mirror.shown)) if row >= 0 else QModelIndex()

    def mapToSource(self, index: AnyIndex) -> QModelIndex:  # noqa: N802 - the proxy name callers know
        """The source index of a row here."""
        located = self._locate(index)
        if located is None or self._source is None:
            return QModelIndex()
        mirror, row = located
        server = self._source.index(mirror.node.row, 0)
        return server if row < 0 else self._source.index(row, 0, server)

    def camera_at(self, index: AnyIndex) -> tuple[str, Camera] | None:
        """The server id and camera of a camera row here (None for a server row)."""
        located = self._locate(index)
        if located is None or located[1] < 0:
            return None
        mirror, row = located
        return mirror.node.server_id, mirror.node.cameras[row]

    def _locate(self, index: AnyIndex) -> tuple[_Mirror, int] | None:
        """The mirror of a row here and, for a camera row, its source row (-1 for the server row).

        Nothing during a change: handlers of the row signals run while rows are half moved (the selection
        model reports removed rows before they go), when no answer would be right.
        """
        if self._depth or not index.isValid() or index.model() is not self:
            return None
        parent = index.parent()
        if not parent.isValid():
            return self._shown[index.row()], -1
        mirror = self._shown[parent.row()]
        assert mirror.shown is not None
        return mirror, mirror.source_row(mirror.shown, index.row())
