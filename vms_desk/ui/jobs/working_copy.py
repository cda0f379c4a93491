"""'Make working copy…' from the job list: ask for the caption (and a ZIP's password), then make it off
the GUI thread and say where it went."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from vms_desk.evidence.audit import AuditTrail
from vms_desk.workstation.tasks import TaskSet


def _has_zip_master(folder: Path) -> bool:
    try:
        data = json.loads((folder / "manifest.json").read_bytes())
    except (OSError, ValueError):
        return False
    return any(str(f.get("name", "")).lower().endswith(".zip") for f in data.get("files", []))


class WorkingCopyDialog(QDialog):
    """Caption yes/no, and the password when the master is an encrypted ZIP."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workingCopyDialog")
        self.setWindowTitle("Make working copy")
        self.folder = folder
        text = QLabel(
            f"A court-playable MP4 of each video in {folder.name} goes to its working/ folder. "
            "The master is not changed; the copy's manifest names the master's SHA-256."
        )
        text.setWordWrap(True)
        self.caption = QCheckBox("Burn in the camera name and the recorded time (zone named)")
        self.caption.setObjectName("captionCheck")
        self.password = QLineEdit(objectName="zipPassword", echoMode=QLineEdit.EchoMode.Password)
        form = QFormLayout()
        if _has_zip_master(folder):
            form.addRow("ZIP password:", self.password)
        else:
            self.password.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Make working copy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.caption)
        layout.addLayout(form)
        layout.addWidget(buttons)


class WorkingCopyFlow(QObject):
    """Runs the dialog (open(), never exec()) and the copy in a thread; reports through `status`.

    Signals:
        finished(list): the WorkingCopy results, after the status line was shown.
    """

    finished = Signal(list)

    def __init__(
        self,
        parent: QWidget,
        tasks: TaskSet,
        status: Callable[[str], None],
        audit: AuditTrail,
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.tasks = tasks
        self.status = status
        self.audit = audit  # the Workstation's
        self.dialog: WorkingCopyDialog | None = None

    def start(self, folder: Path) -> WorkingCopyDialog:
        """Ask, then make the working copy of the export in `folder`."""
        dialog = WorkingCopyDialog(folder, self.parent_widget)
        dialog.accepted.connect(
            lambda: self.tasks.spawn(
                self._make(folder, dialog.caption.isChecked(), dialog.password.text() or None),
                name="working-copy",
            )
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    async def _make(self, folder: Path, caption: bool, password: str | None) -> None:
        from vms_desk.custody.working_copy import make_working_copies

        self.status(f"Making the working copy of {folder.name}…")
        results = await asyncio.to_thread(
            make_working_copies, folder, caption=caption, password=password, audit=self.audit
        )
        names = ", ".join(f"{r.path.name} (SHA-256 {r.sha256[:12]}…)" for r in results)
        self.status(f"Working copy in {folder / 'working'}: {names}")
        self.finished.emit(results)
