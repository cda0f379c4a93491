"""The source tree model: servers (with live status) and their cameras, in one QAbstractItemModel."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap

if TYPE_CHECKING:
    from vms_desk.core.models import Camera, ServerConfig


AnyIndex = QModelIndex | QPersistentModelIndex

# Custom roles: views and tests read typed values through these instead of parsing display text.
KindRole = Qt.ItemDataRole.UserRole + 1  # "server" | "camera"
ServerIdRole = Qt.ItemDataRole.UserRole + 2
CameraIdRole = Qt.ItemDataRole.UserRole + 3
StatusRole = Qt.ItemDataRole.UserRole + 4  # ServerStatus (servers only)
CameraRole = Qt.ItemDataRole.UserRole + 5  # core Camera (cameras only)
ConfigRole = Qt.ItemDataRole.UserRole + 6  # core ServerConfig (servers only)

# Precomputed: Python's Flag operators cost microseconds each.
_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_CAMERA = _SELECTABLE | Qt.ItemFlag.ItemNeverHasChildren
_CAMERA_NOT_EXPORTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

KIND_SERVER = "server"
KIND_CAMERA = "camera"


class ServerStatus(StrEnum):
    """A server's connection state as the tree shows it."""

    CONNECTING = "connecting"
    ONLINE = "online"
    AUTH_FAILED = "auth failed"
    UNREACHABLE = "unreachable"
    ERROR = "error"


_STATUS_COLOUR = {
    ServerStatus.CONNECTING: "#9e9e9e",
    ServerStatus.ONLINE: "#2e7d32",
    ServerStatus.AUTH_FAILED: "#e65100",
    ServerStatus.UNREACHABLE: "#c62828",
    ServerStatus.ERROR: "#c62828",
}
_icons: dict[str, QIcon] = {}


def status_icon(status: ServerStatus) -> QIcon:
    """A filled dot in the status colour (cached; created lazily once a QGuiApplication exists)."""
    colour = _STATUS_COLOUR[status]
    if colour not in _icons:
        pixmap = QPixmap(14, 14)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(colour))
        painter.setPen(QColor(colour).darker(130))
        painter.drawEllipse(2, 2, 10, 10)
        painter.end()
        _icons[colour] = QIcon(pixmap)
    return _icons[colour]


_GREY = "#8a8a8a"
_FAILED = (ServerStatus.AUTH_FAILED, ServerStatus.UNREACHABLE, ServerStatus.ERROR)


def server_foreground(node: ServerNode) -> QBrush | None:
    """The text colour of a server row: its status colour when the connection failed, else the default."""
    return QBrush(QColor(_STATUS_COLOUR[node.status])) if node.status in _FAILED else None


def camera_is_grey(camera: Camera) -> bool:
    """Whether a camera row is greyed out: offline, or not exportable by this user."""
    return not camera.online or not camera.exportable


def grey_brush() -> QBrush:
    """The text colour of a greyed-out camera row."""
    return QBrush(QColor(_GREY))


def camera_text(camera: Camera) -> str:
    """A camera row's display text (also what the filter matches)."""
    return camera.name if camera.exportable else f"{camera.name}  (no export permission)"


def server_text(node: ServerNode) -> str:
    """A server row's display text (also what the filter matches)."""
    # Online servers need no words (the green dot says it, the cameras below count themselves);
    # every other status is spelled out, because colour alone is not enough.
    if node.status is ServerStatus.ONLINE:
        return node.config.label
    return f"{node.config.label} — {node.status.value}"


@dataclass(eq=False)
class ServerNode:
    """A server row: its config, status, the sentence explaining a failure, and its cameras.

    `row` is kept current by the model so that parent() of a camera is O(1); `texts` holds each camera's
    display text and `folded` the same case-folded, computed once when the cameras arrive, so that a filter
    pass is a plain substring test.
    """

    server_id: str
    config: ServerConfig
    status: ServerStatus = ServerStatus.CONNECTING
    message: str = ""
    cameras: list[Camera] = field(default_factory=list)
    row: int = 0
    texts: list[str] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)

    def set_cameras(self, cameras: list[Camera]) -> None:
        """Replace the cameras and, computed once here, their display and folded texts."""
        self.cameras = list(cameras)
        self.texts = [camera_text(c) for c in self.cameras]
        self.folded = [text.casefold() for text in self.texts]


class SourceModel(QAbstractItemModel):
    """Servers at the top level, cameras below; one column. Internal pointers are the ServerNode
    for camera rows and None for server rows; each node knows its row, so parent() is O(1)."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._servers: list[ServerNode] = []
        self._by_id: dict[str, ServerNode] = {}

    # --- structure ------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        """The index of a server (top level) or a camera (under its server)."""
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row < len(self._servers):
                return self.createIndex(row, 0, None)
            return QModelIndex()
        node = self._node_of(parent)
        if isinstance(node, ServerNode) and parent.internalPointer() is None and row < len(node.cameras):
            return self.createIndex(row, 0, node)
        return QModelIndex()

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """The server of a camera row; invalid for servers."""
        if not child.isValid():
            return QModelIndex()
        owner = child.internalPointer()
        if owner is None:
            return QModelIndex()
        return self.createIndex(owner.row, 0, None)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Servers at the top, cameras under a server, nothing under a camera."""
        if parent.column() > 0:
            return 0
        if not parent.isValid():
            return len(self._servers)
        if parent.internalPointer() is None:
            return len(self._servers[parent.row()].cameras)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """One column: the tree is narrow; status shows as icon and tooltip."""
        return 1

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Cameras that may not be exported are shown but not selectable; cameras never have children."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        owner = index.internalPointer()
        if not isinstance(owner, ServerNode):
            return _SELECTABLE
        return _CAMERA if owner.cameras[index.row()].exportable else _CAMERA_NOT_EXPORTABLE

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        """A single 'Sources' header."""
        if section == 0 and orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "Sources"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Display text, status icon/colour, tooltip and the custom roles."""
        if not index.isValid():
            return None
        owner = index.internalPointer()
        if owner is None:
            return self._server_data(self._servers[index.row()], role)
        return self._camera_data(owner, owner.cameras[index.row()], role)

    def servers(self) -> list[ServerNode]:
        """The server nodes in row order (read-only use: the filter mirrors them)."""
        return self._servers

    def _server_data(self, node: ServerNode, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return server_text(node)
        if role == Qt.ItemDataRole.DecorationRole:
            return status_icon(node.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{node.config.vendor.display_name} — {node.config.url}", f"Status: {node.status.value}"]
            if node.status is ServerStatus.ONLINE:
                lines[-1] += f", {len(node.cameras)} cameras"
            if node.config.user:
                lines.insert(1, f"User: {node.config.user}")
            if node.message:
                lines.append(node.message)
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole:
            return server_foreground(node)
        return {
            KindRole: KIND_SERVER,
            ServerIdRole: node.server_id,
            StatusRole: node.status,
            ConfigRole: node.config,
        }.get(role)

    def _camera_data(self, server: ServerNode, camera: Camera, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return camera_text(camera)
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "online" if camera.online else "offline"
            return f"{camera.name}\nId: {camera.id}\nCamera {state} on {server.config.label}"
        if role == Qt.ItemDataRole.ForegroundRole and camera_is_grey(camera):
            return grey_brush()
        return {
            KindRole: KIND_CAMERA,
            ServerIdRole: server.server_id,
            CameraIdRole: camera.id,
            CameraRole: camera,
        }.get(role)

    # --- updates ---------------------------------------------------------------------------------
    def _node_of(self, index: AnyIndex) -> ServerNode | None:
        owner = index.internalPointer()
        if owner is None and index.isValid():
            return self._servers[index.row()]
        return owner if isinstance(owner, ServerNode) else None

    def server_row(self, server_id: str) -> int:
        """Row of the server, or -1."""
        node = self._by_id.get(server_id)
        return node.row if node is not None else -1

    def server(self, server_id: str) -> ServerNode | None:
        """The node of a server, or None."""
        return self._by_id.get(server_id)

    def server_index(self, server_id: str) -> QModelIndex:
        """The index of a server row (invalid when unknown)."""
        row = self.server_row(server_id)
        return self.index(row, 0) if row >= 0 else QModelIndex()

    def camera_index(self, server_id: str, camera_id: str) -> QModelIndex:
        """The index of a camera row (invalid when unknown)."""
        node = self.server(server_id)
        if node is None:
            return QModelIndex()
        row = next((i for i, c in enumerate(node.cameras) if c.id == camera_id), -1)
        return self.index(row, 0, self.server_index(server_id)) if row >= 0 else QModelIndex()

    def server_ids(self) -> list[str]:
        """Every server id, in row order."""
        return [s.server_id for s in self._servers]

    def add_server(self, server_id: str, config: ServerConfig) -> None:
        """Append a server (status connecting) or replace its config when it exists."""
        row = self.server_row(server_id)
        if row >= 0:
            self._servers[row].config = config
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)
            return
        self.beginInsertRows(QModelIndex(), len(self._servers), len(self._servers))
        node = ServerNode(server_id, config, row=len(self._servers))
        self._servers.append(node)
        self._by_id[server_id] = node
        self.endInsertRows()

    def remove_server(self, server_id: str) -> None:
        """Remove a server and its cameras."""
        row = self.server_row(server_id)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._servers[row]
        del self._by_id[server_id]
        for later in self._servers[row:]:
            later.row -= 1
        self.endRemoveRows()

    def set_status(self, server_id: str, status: ServerStatus, message: str = "") -> None:
        """Change a server's status and the sentence that explains it."""
        row = self.server_row(server_id)
        if row < 0:
            return
        node = self._servers[row]
        node.status, node.message = status, message
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)

    def set_cameras(self, server_id: str, cameras: list[Camera]) -> None:
        """Replace a server's cameras (remove all rows, then insert the new ones)."""
        row = self.server_row(server_id)
        if row < 0:
            return
        node = self._servers[row]
        parent = self.index(row, 0)
        if node.cameras:
            self.beginRemoveRows(parent, 0, len(node.cameras) - 1)
            node.set_cameras([])
            self.endRemoveRows()
        if cameras:
            self.beginInsertRows(parent, 0, len(cameras) - 1)
            node.set_cameras(cameras)
            self.endInsertRows()
        self.dataChanged.emit(parent, parent)
