"""Add or edit a server: vendor, address, user, password, and a Test connection that explains failures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.workstation.vendors import available_vendors, check_settings, settings_help

log = logging.getLogger(__name__)

# The connection test: log in with this config and password, list cameras, say what was found
# (Workstation.check_server: the same client pool, and so the same TLS pins, as the jobs).
ServerCheck = Callable[[ServerConfig, str | None], Awaitable[str]]

_OK_STYLE = "color: #2e7d32;"
_BAD_STYLE = "color: #c62828;"


class ServerDialog(QDialog):
    """The add/edit dialog; opened with open(), results via `saved(config, password | None)`.

    Signals:
        saved(object, object): the ServerConfig and the new password (None: keep the stored one).
        tested(bool, str): a connection test finished with success and the sentence shown.
    """

    saved = Signal(object, object)
    tested = Signal(bool, str)

    def __init__(
        self,
        check: ServerCheck,
        *,
        persistent_passwords: bool,
        config: ServerConfig | None = None,
        stored_password: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("serverDialog")
        self.setWindowTitle("Edit server" if config else "Add server")
        self.setMinimumWidth(480)
        self._check = check
        self._task: asyncio.Task[bool] | None = None
        # Editing: Test works with the stored password while the field is left empty.
        self._stored_password = stored_password
        self._settings: dict[str, str] = {}
        self._setting_edits: dict[str, QLineEdit] = {}

        self.vendor = QComboBox(objectName="vendorCombo")
        for vendor in available_vendors():
            self.vendor.addItem(vendor.display_name, vendor)
        self.vendor.currentIndexChanged.connect(self._build_settings)
        self.name = QLineEdit(objectName="nameEdit", placeholderText="e.g. Main station (optional)")
        self.url = QLineEdit(objectName="urlEdit", placeholderText="http://192.0.2.10:8000")
        self.user = QLineEdit(objectName="userEdit")
        self.password = QLineEdit(objectName="passwordEdit", echoMode=QLineEdit.EchoMode.Password)
        if stored_password:
            self.password.setPlaceholderText("unchanged (type to replace)")
        note = (
            "The password is kept in the system's credential store, never in a file."
            if persistent_passwords
            else "This computer has no credential store: the password is kept in memory for this session "
            "only, and you will be asked for it again after a restart."
        )
        self.password_note = QLabel(note, objectName="passwordNote", wordWrap=True)
        self.password_note.setStyleSheet("color: palette(placeholder-text);")

        self.test_button = QPushButton("Test connection", objectName="testButton")
        self.test_button.clicked.connect(self._start_test)
        self.result = QLabel("", objectName="testResult", wordWrap=True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow("Vendor", self.vendor)
        form.addRow("Name", self.name)
        form.addRow("Address", self.url)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("", self.password_note)
        # The vendor's own server settings follow, one row each, rebuilt when the vendor changes.
        self.settings_form, self._settings_first_row = form, form.rowCount()
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._build_settings()
        if config is not None:
            self._fill(config)

    def _build_settings(self) -> None:
        """One field per server setting the chosen vendor declares, its help as placeholder and tip."""
        while self.settings_form.rowCount() > self._settings_first_row:
            self.settings_form.removeRow(self._settings_first_row)
        self._setting_edits = {}
        data = self.vendor.currentData()
        if data is None:
            return
        vendor = Vendor(data)  # Qt hands the enum back as its text
        for key, (label, help_text) in settings_help(vendor).items():
            edit = QLineEdit(objectName=f"setting_{key}", placeholderText=help_text)
            edit.setToolTip(help_text)
            edit.setText(self._settings.get(key, ""))
            self._setting_edits[key] = edit
            self.settings_form.addRow(label, edit)

    def _fill(self, config: ServerConfig) -> None:
        index = self.vendor.findData(config.vendor)
        if index >= 0:
            self.vendor.setCurrentIndex(index)
        self.name.setText(config.name)
        self.url.setText(config.url)
        self.user.setText(config.user)
        self._settings = dict(config.settings)
        for key, edit in self._setting_edits.items():
            edit.setText(self._settings.get(key, ""))

    def config(self) -> ServerConfig:
        """The ServerConfig the fields describe; InputError with a sentence when they are wrong."""
        vendor = Vendor(self.vendor.currentData())  # Qt hands the enum back as its text
        typed = {key: edit.text() for key, edit in self._setting_edits.items()}
        return ServerConfig(
            vendor=vendor,
            url=self.url.text(),
            user=self.user.text().strip(),
            name=self.name.text().strip(),
            settings=check_settings(vendor, typed),
        )

    def typed_password(self) -> str | None:
        """The typed password, or None when the field was left empty (keep the stored one)."""
        return self.password.text() or None

    def show_result(self, ok: bool, text: str) -> None:
        """Show a test result in words, green or red."""
        self.result.setText(text)
        self.result.setStyleSheet(_OK_STYLE if ok else _BAD_STYLE)

    async def test_connection(self) -> bool:
        """Run the connection test now; shows and returns whether it worked."""
        self.test_button.setEnabled(False)
        self.show_result(True, "Connecting…")
        self.result.setStyleSheet("")
        try:
            config = self.config()
            text = await self._check(config, self.typed_password() or self._stored_password)
            ok = True
        except VmsDeskError as exc:
            text, ok = str(exc), False
        except Exception as exc:
            log.exception("connection test failed unexpectedly")
            text, ok = f"The test failed unexpectedly ({type(exc).__name__}); the log has the details.", False
        finally:
            self.test_button.setEnabled(True)
        self.show_result(ok, text)
        self.tested.emit(ok, text)
        return ok

    def _start_test(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self.test_connection())

    def _save(self) -> None:
        try:
            config = self.config()
        except VmsDeskError as exc:
            self.show_result(False, str(exc))
            return
        self.saved.emit(config, self.typed_password())
        self.accept()

    def done(self, result: int) -> None:
        """Closing the dialog cancels a test still running."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        super().done(result)
