"""The source tree's filter: one pass over the node model into the visible rows, applied as one layout change.

A QSortFilterProxyModel with recursive filtering asks the source for parent/index/data millions of
times per keystroke on a large tree and hides rows in thousands of separate ranges. This proxy reads
the node model directly (each camera's display text is case-folded once, when the cameras arrive),
builds the list of visible rows in a single pass, and swaps it in between one
layoutAboutToBeChanged/layoutChanged pair, remapping the views' persistent indexes (selection,
expansion, current row) by node identity.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QAbstractProxyModel, QModelIndex, QPersistentModelIndex, Qt

from vms_desk.ui.sources.source_model import AnyIndex, ServerNode, SourceModel, server_text

if TYPE_CHECKING:
    from vms_desk.core.models import Camera

_ROOT = QModelIndex()
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_SERVER_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

# A persistent index remembered across a change: the server node, and for a camera its source row
# plus the camera object (so a row that now holds another camera is not mistaken for it).
_Key = tuple[ServerNode, int, "Camera | None"] | None


class _Shown:
    """A visible server: its node, its proxy row, the source rows of its visible cameras (None = all),
    and those cameras' flags (what the view asks for most)."""

    __slots__ = ("cameras", "flags", "node", "row", "size")

    def __init__(self, node: ServerNode, row: int, cameras: list[int] | None) -> None:
        self.node, self.row, self.cameras = node, row, cameras
        self.flags = node.flags if cameras is None else [node.flags[i] for i in cameras]
        self.size = len(self.flags)

    def source_row(self, row: int) -> int:
        return row if self.cameras is None else self.cameras[row]

    def proxy_row(self, source_row: int) -> int:
        if self.cameras is None:
            return source_row if source_row < self.size else -1
        at = bisect_left(self.cameras, source_row)
        return at if at < len(self.cameras) and self.cameras[at] == source_row else -1


def visible_rows(servers: list[ServerNode], needle: str) -> list[_Shown]:
    """One pass: a server whose text matches keeps all its cameras; otherwise only its matching cameras."""
    needle = needle.casefold()
    shown: list[_Shown] = []
    for node in servers:
        cameras: list[int] | None = None
        if needle and needle not in server_text(node).casefold():
            cameras = [i for i, text in enumerate(node.folded) if needle in text]
            if not cameras:
                continue
        shown.append(_Shown(node, len(shown), cameras))
    return shown


class SourceFilterProxy(QAbstractProxyModel):
    """Case-insensitive filter over a SourceModel: a camera match keeps its server, a server match all."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._needle = ""
        self._shown: list[_Shown] = []
        self._by_node: dict[int, _Shown] = {}
        self._source: SourceModel | None = None
        self._pending: list[tuple[QPersistentModelIndex, _Key]] | None = None

    # --- filter -----------------------------------------------------------------------------------
    def setFilterFixedString(self, text: str) -> None:  # noqa: N802 - the QSortFilterProxyModel name callers know
        """Show only rows whose display text contains `text` (case-insensitive)."""
        self._needle = text
        self._refilter()

    def filter_text(self) -> str:
        """The current filter string."""
        return self._needle

    def shown_servers(self) -> list[QModelIndex]:
        """The proxy index of every visible server (to expand them in one go)."""
        return [self.createIndex(s.row, 0, None) for s in self._shown]

    # --- source wiring ----------------------------------------------------------------------------
    def setSourceModel(self, model: QAbstractItemModel) -> None:  # noqa: N802 - Qt override
        """Attach a SourceModel; every structural change in it becomes one layout change here."""
        if not isinstance(model, SourceModel):
            raise TypeError("SourceFilterProxy filters a SourceModel")
        self._begin()
        super().setSourceModel(model)
        self._source = model
        for about in (
            model.rowsAboutToBeInserted,
            model.rowsAboutToBeRemoved,
            model.rowsAboutToBeMoved,
            model.modelAboutToBeReset,
            model.layoutAboutToBeChanged,
        ):
            about.connect(self._begin)
        for done in (
            model.rowsInserted,
            model.rowsRemoved,
            model.rowsMoved,
            model.modelReset,
            model.layoutChanged,
        ):
            done.connect(self._end)
        model.dataChanged.connect(self._source_data_changed)
        model.headerDataChanged.connect(self.headerDataChanged)
        self._end()

    def _begin(self, *_args: object) -> None:
        if self._pending is not None:  # already inside a change (a source change within a source change)
            return
        self.layoutAboutToBeChanged.emit()
        self._pending = [(p, self._key(p)) for p in map(QPersistentModelIndex, self.persistentIndexList())]

    def _end(self, *_args: object) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        servers = self._source.servers() if self._source is not None else []
        self._shown = visible_rows(servers, self._needle)
        self._by_node = {id(s.node): s for s in self._shown}
        old = [QModelIndex(p) for p, _key in pending]
        self.changePersistentIndexList(old, [self._index_of(key) for _p, key in pending])
        self.layoutChanged.emit()

    def _refilter(self) -> None:
        """Filter again; when the visible rows come out the same (say 'e' matching every row) change nothing,
        because the view would re-lay out every visible row for a layout change that moves none."""
        servers = self._source.servers() if self._source is not None else []
        shown = visible_rows(servers, self._needle)
        same = len(shown) == len(self._shown) and all(
            a.node is b.node and a.cameras == b.cameras for a, b in zip(shown, self._shown, strict=True)
        )
        if not same:
            self._begin()
            self._end()

    def _key(self, index: AnyIndex) -> _Key:
        if not index.isValid():
            return None
        owner = index.internalPointer()
        if owner is None:
            return (self._shown[index.row()].node, -1, None)
        row = owner.source_row(index.row())
        return (owner.node, row, owner.node.cameras[row] if row < len(owner.node.cameras) else None)

    def _index_of(self, key: _Key) -> QModelIndex:
        if key is None:
            return QModelIndex()
        node, row, camera = key
        shown = self._by_node.get(id(node))
        if shown is None:
            return QModelIndex()
        if row < 0:
            return self.createIndex(shown.row, 0, None)
        if row >= len(node.cameras) or node.cameras[row] is not camera:
            return QModelIndex()
        proxy_row = shown.proxy_row(row)
        return self.createIndex(proxy_row, 0, shown) if proxy_row >= 0 else QModelIndex()

    def _source_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]
    ) -> None:
        if top_left != bottom_right:  # a range (this model sends none): re-read everything
            self._begin()
            self._end()
            return
        if self._needle and top_left.internalPointer() is None:
            self._refilter()  # a server's status text may now match or stop matching
        index = self.mapFromSource(top_left)
        if index.isValid():
            self.dataChanged.emit(index, index, roles)

    # --- mapping ----------------------------------------------------------------------------------
    def mapFromSource(self, source: AnyIndex) -> QModelIndex:  # noqa: N802 - Qt override
        """The proxy index of a source index, or invalid when filtered out."""
        if not source.isValid() or self._source is None:
            return QModelIndex()
        owner = source.internalPointer()
        if owner is None:
            return self._index_of((self._source.servers()[source.row()], -1, None))
        if source.row() >= len(owner.cameras):
            return QModelIndex()
        return self._index_of((owner, source.row(), owner.cameras[source.row()]))

    def mapToSource(self, proxy: AnyIndex) -> QModelIndex:  # noqa: N802 - Qt override
        """The source index of a proxy index."""
        if not proxy.isValid() or self._source is None:
            return QModelIndex()
        owner = proxy.internalPointer()
        if owner is None:
            return self._source.index(self._shown[proxy.row()].node.row, 0)
        server = self._source.index(owner.node.row, 0)
        return self._source.index(owner.source_row(proxy.row()), 0, server)

    # --- structure: answered from the visible-row list, without asking the source ---------------------
    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        """A visible server (top level) or camera (under its server)."""
        # Called once per visible row on every re-layout of the tree: kept to the fewest Python steps.
        if parent.isValid():
            if column or row < 0 or parent.internalPointer() is not None:
                return QModelIndex()
            shown = self._shown[parent.row()]
            return self.createIndex(row, 0, shown) if row < shown.size else QModelIndex()
        if column or row < 0 or row >= len(self._shown):
            return QModelIndex()
        return self.createIndex(row, 0, None)

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """The server of a camera row (O(1): the pointer is its server's entry); invalid for servers."""
        if not child.isValid():
            return QModelIndex()
        owner = child.internalPointer()
        return QModelIndex() if owner is None else self.createIndex(owner.row, 0, None)

    def sibling(self, row: int, column: int, index: AnyIndex) -> QModelIndex:
        """The row `row` under the same parent."""
        return self.index(row, column, self.parent(index))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Visible servers at the top, visible cameras under a server."""
        if parent.column() > 0:
            return 0
        if not parent.isValid():
            return len(self._shown)
        if parent.internalPointer() is None and parent.row() < len(self._shown):
            return self._shown[parent.row()].size
        return 0

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        """Whether rowCount(parent) > 0."""
        return self.rowCount(parent) > 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """One column, as the source."""
        return 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """The source's data for the row, read from its node."""
        if not index.isValid() or self._source is None:
            return None
        owner = index.internalPointer()
        if owner is None:
            return self._source.node_data(self._shown[index.row()].node, -1, role)
        return self._source.node_data(owner.node, owner.source_row(index.row()), role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """The source's flags (camera rows never have children, so the view asks no more about them)."""
        owner = index.internalPointer()
        if owner is None:
            return _SERVER_FLAGS if index.isValid() else _NO_FLAGS
        return owner.flags[index.row()]

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        """The source's header."""
        return self._source.headerData(section, orientation, role) if self._source is not None else None
