"""The source panel: filter box, the server/camera tree (multi-select), and its context menu."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from vms_desk.ui.sources.source_filter import SourceFilterProxy
from vms_desk.ui.sources.source_model import ServerIdRole, SourceModel

if TYPE_CHECKING:
    from vms_desk.core.models import Camera


@dataclass(frozen=True)
class CameraRef:
    """A selected camera: the server it belongs to and the camera itself."""

    server_id: str
    camera: Camera


class _SourceDelegate(QStyledItemDelegate):
    """Answers tooltips from the source model: the filter's rows do not carry them (see source_filter)."""

    def __init__(self, proxy: SourceFilterProxy, parent: QWidget) -> None:
        super().__init__(parent)
        self._proxy = proxy

    def helpEvent(  # noqa: N802 - Qt override
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """Show the source row's tooltip."""
        if event.type() == QEvent.Type.ToolTip:
            text = self._proxy.mapToSource(index).data(Qt.ItemDataRole.ToolTipRole)
            if text:
                QToolTip.showText(event.globalPos(), str(text), view)
                return True
        return super().helpEvent(event, view, option, index)


class SourcePanel(QWidget):
    """Left-hand panel. Selecting a server row selects nothing to export; cameras are what count.

    Signals:
        camerasSelected(list): the selected cameras as CameraRef, in tree order.
        addRequested(): the user wants to add a server.
        refreshRequested(str), editRequested(str), removeRequested(str): act on a server id.
        exportRequested(): export the selected cameras.
    """

    camerasSelected = Signal(list)  # noqa: N815 - Qt signal naming
    addRequested = Signal()  # noqa: N815 - Qt signal naming
    refreshRequested = Signal(str)  # noqa: N815 - Qt signal naming
    editRequested = Signal(str)  # noqa: N815 - Qt signal naming
    removeRequested = Signal(str)  # noqa: N815 - Qt signal naming
    exportRequested = Signal()  # noqa: N815 - Qt signal naming

    def __init__(self, model: SourceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = SourceFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.filter = QLineEdit(objectName="sourceFilter", placeholderText="Filter servers and cameras")
        self.filter.textChanged.connect(self._filter_changed)
        self.tree = QTreeView(objectName="sourceTree")
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
        )  # item rows are editable by default
        self.tree.setItemDelegate(_SourceDelegate(self.proxy, self.tree))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        # A change of the filter's rows may take selected rows away and put them back (a server's row swapped
        # for its other copy): the selection is reported once, after the change, and only when it differs.
        self.proxy.keep_selection(self.tree.selectionModel())
        self._held = False
        self._moved = False
        self._reported: list[CameraRef] = []
        self.proxy.aboutToRefilter.connect(self._hold_selection)
        self.proxy.refiltered.connect(self._release_selection)
        # A server row that enters the tree (new, filtered back in, or swapped) is expanded: new cameras
        # appear expanded, and so does every server while a filter is set. Servers the user collapsed while
        # no filter was set stay collapsed.
        self._collapsed: set[str] = set()
        self.proxy.rowsInserted.connect(self._servers_shown)
        self.tree.collapsed.connect(lambda i: self._remember(i, collapsed=True))
        self.tree.expanded.connect(lambda i: self._remember(i, collapsed=False))
        self.add_button = QPushButton("Add server…", objectName="addServerButton")
        self.add_button.clicked.connect(self.addRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.add_button)

    def _filter_changed(self, text: str) -> None:
        if text:
            # Only once there is something to clear: the button's icon would hold up the first paint.
            self.filter.setClearButtonEnabled(True)
        self.proxy.setFilterFixedString(text)
        # While the view's re-layout is pending, expand() and collapse() only record the index.
        for index in self.proxy.shown_servers():
            self._expand(index)

    def _expand(self, server: QModelIndex) -> None:
        if not self.proxy.filter_text() and server.data(ServerIdRole) in self._collapsed:
            self.tree.collapse(server)
        else:
            self.tree.expand(server)

    def _servers_shown(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            for row in range(first, last + 1):
                self._expand(self.proxy.index(row, 0))

    def _remember(self, index: QModelIndex, *, collapsed: bool) -> None:
        if self.proxy.filter_text() or index.parent().isValid():
            return
        server_id = str(index.data(ServerIdRole))
        if collapsed:
            self._collapsed.add(server_id)
        else:
            self._collapsed.discard(server_id)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._held:
            self._moved = True
            return
        self._report(self.selected_cameras())

    def _hold_selection(self) -> None:
        self._held, self._moved = True, False

    def _release_selection(self) -> None:
        self._held = False
        if self._moved and (cameras := self.selected_cameras()) != self._reported:
            self._report(cameras)

    def _report(self, cameras: list[CameraRef]) -> None:
        self._reported = cameras
        self.camerasSelected.emit(cameras)

    def selected_cameras(self) -> list[CameraRef]:
        """Selected camera rows as CameraRef, in tree order."""
        indexes = sorted(self.tree.selectionModel().selectedRows(), key=lambda i: (i.parent().row(), i.row()))
        return [CameraRef(*found) for i in indexes if (found := self.proxy.camera_at(i)) is not None]

    def select_camera(self, server_id: str, camera_id: str, *, add: bool = False) -> bool:
        """Select a camera row (automation and tests); returns False when it is not listed or filtered out."""
        index = self.proxy.mapFromSource(self.model.camera_index(server_id, camera_id))
        if not index.isValid():
            return False
        flags = self.tree.selectionModel().SelectionFlag
        command = (flags.Select if add else flags.ClearAndSelect) | flags.Rows
        self.tree.selectionModel().select(index, command)
        self.tree.scrollTo(index)
        return True

    def _server_at(self, index: QModelIndex) -> str | None:
        if not index.isValid():
            return None
        server = index.parent() if index.parent().isValid() else index  # camera rows carry no roles
        return str(server.data(ServerIdRole))

    def _menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        server_id = self._server_at(index)
        menu = QMenu(self)
        if server_id is not None:
            menu.addAction("Refresh", lambda: self.refreshRequested.emit(server_id))
            menu.addAction("Edit server…", lambda: self.editRequested.emit(server_id))
            menu.addAction("Remove server", lambda: self.removeRequested.emit(server_id))
            menu.addSeparator()
        export = menu.addAction("Export selected cameras…", self.exportRequested.emit)
        export.setEnabled(bool(self.selected_cameras()))
        menu.addSeparator()
        menu.addAction("Add server…", self.addRequested.emit)
        menu.popup(self.tree.viewport().mapToGlobal(pos))
