"""Add, edit and remove servers: the dialogs, the saved list, the keyring and the live connections."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.models import ServerConfig
from vms_desk.ui.sources.connections import Connections
from vms_desk.ui.sources.server_dialog import ServerCheck, ServerDialog
from vms_desk.workstation.servers import SavedServer, ServersStore
from vms_desk.workstation.tasks import TaskSet


class ServerActions(QObject):
    """Opens the server dialog (non-modal `open()`), then saves and (re)connects."""

    def __init__(
        self,
        window: QWidget,
        *,
        servers: ServersStore,
        connections: Connections,
        check: ServerCheck,
        tasks: TaskSet,
        on_error: Callable[[VmsDeskError], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.servers = servers
        self.connections = connections
        self.check = check
        self.tasks = tasks
        self.on_error = on_error
        self.dialog: ServerDialog | None = None

    def add(self) -> ServerDialog:
        """Open the dialog for a new server."""
        dialog = ServerDialog(
            self.check, persistent_passwords=self.servers.vault.persistent, parent=self.window
        )
        dialog.saved.connect(lambda config, password: self._save(SavedServer(config=config), password))
        return self._open(dialog)

    def edit(self, server_id: str) -> ServerDialog | None:
        """Open the dialog on an existing server."""
        server = self.servers.get(server_id)
        if server is None:
            return None
        dialog = ServerDialog(
            self.check,
            persistent_passwords=self.servers.vault.persistent and server.persistent,
            config=server.config,
            stored_password=self.servers.password(server_id),
            parent=self.window,
        )
        dialog.saved.connect(
            lambda config, password: self._save(
                SavedServer(config=config, id=server.id, persistent=server.persistent), password
            )
        )
        return self._open(dialog)

    def _open(self, dialog: ServerDialog) -> ServerDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _save(self, server: SavedServer, password: str | None) -> None:
        try:
            self.servers.put(server, password)
        except VmsDeskError as exc:
            self.on_error(exc)
            return
        self.connections.add(server.id, server.config)

    def add_server(self, config: ServerConfig, password: str | None, *, persistent: bool = True) -> str:
        """Add a server without a dialog (demo mode, automation); returns its id."""
        server = SavedServer(config=config, persistent=persistent)
        self.servers.put(server, password)
        self.connections.add(server.id, server.config)
        return server.id

    def remove(self, server_id: str) -> None:
        """Ask, then forget the server and its password (its jobs and evidence stay)."""
        server = self.servers.get(server_id)
        label = server.config.label if server else "this server"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove server",
            f"Remove {label} from the list? Its password is forgotten; jobs and evidence folders stay.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.setObjectName("removeServerBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes = QMessageBox.StandardButton.Yes
        box.buttonClicked.connect(
            lambda button: box.standardButton(button) == yes and self.remove_now(server_id)
        )
        box.open()

    def remove_now(self, server_id: str) -> None:
        """Forget the server without asking."""
        self.servers.remove(server_id)
        self.tasks.spawn(self.connections.remove(server_id), name="remove-server")
