"""The source panel: filter box, the server/camera tree (multi-select), and its context menu."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from vms_desk.ui.sources.source_filter import SourceFilterProxy
from vms_desk.ui.sources.source_model import (
    KIND_CAMERA,
    CameraRole,
    KindRole,
    ServerIdRole,
    SourceModel,
)

if TYPE_CHECKING:
    from vms_desk.core.models import Camera


@dataclass(frozen=True)
class CameraRef:
    """A selected camera: the server it belongs to and the camera itself."""

    server_id: str
    camera: Camera


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
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        # New cameras appear expanded: the user added the server to see them. The proxy turns every source
        # change into a layout change, so listen to the source (the proxy has already caught up by then).
        model.rowsInserted.connect(self._expand_new)
        # Servers the user collapsed while no filter was set stay collapsed when a filter is cleared.
        self._collapsed: set[str] = set()
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
        # Expansion is set once, after the one layout change: while the view's re-layout is still
        # pending, expand() only records the index, so this costs nothing per camera.
        for index in self.proxy.shown_servers():
            if not text and index.data(ServerIdRole) in self._collapsed:
                self.tree.collapse(index)
            else:
                self.tree.expand(index)

    def _remember(self, index: QModelIndex, *, collapsed: bool) -> None:
        if self.proxy.filter_text() or index.parent().isValid():
            return
        server_id = str(index.data(ServerIdRole))
        if collapsed:
            self._collapsed.add(server_id)
        else:
            self._collapsed.discard(server_id)

    def _expand_new(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            self.tree.expand(self.proxy.mapFromSource(parent))
            return
        for row in range(first, last + 1):
            self.tree.expand(self.proxy.mapFromSource(self.model.index(row, 0)))

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.camerasSelected.emit(self.selected_cameras())

    def selected_cameras(self) -> list[CameraRef]:
        """Selected camera rows as CameraRef, in tree order."""
        indexes = sorted(self.tree.selectionModel().selectedRows(), key=lambda i: (i.parent().row(), i.row()))
        return [
            CameraRef(i.data(ServerIdRole), i.data(CameraRole))
            for i in indexes
            if i.data(KindRole) == KIND_CAMERA
        ]

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
        return str(index.data(ServerIdRole))

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
