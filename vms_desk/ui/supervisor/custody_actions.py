"""The Cases panel's custody actions: the chain-of-custody report (PDF) and the case bundle of the selected
case, made off the GUI thread through the Workstation (so both are audited like the commands)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from vms_desk.core.errors import VmsDeskError

if TYPE_CHECKING:
    from vms_desk.workstation.root import Workstation

log = logging.getLogger(__name__)


class CustodyActions(QObject):
    """Asks where (a non-modal file dialog: no nested event loop while jobs run), then makes it.

    Signals:
        done(str): the sentence shown when a report or bundle was made, or why it was not.
    """

    done = Signal(str)

    def __init__(self, parent: QWidget, workstation: Workstation, say: Callable[[str], None]) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.workstation = workstation
        self.say = say
        self.dialog: QFileDialog | None = None
        self._tasks: set[asyncio.Task[str]] = set()

    def ask_report(self, number: str) -> QFileDialog:
        """Ask for the PDF's name, then write the case's report."""
        default = self.workstation.out_dir() / f"custody-report-{number}.pdf"
        dialog = QFileDialog(
            self.parent_widget, f"Custody report of case {number}", str(default), "PDF (*.pdf)"
        )
        dialog.setObjectName("reportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(lambda path: self._spawn(self.make_report(number, Path(path))))
        return self._open(dialog)

    def ask_bundle(self, number: str) -> QFileDialog:
        """Ask for a new or empty folder, then build the case's bundle in it."""
        dialog = QFileDialog(self.parent_widget, f"Bundle of case {number}: a new or empty folder")
        dialog.setObjectName("bundleFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setDirectory(str(self.workstation.out_dir()))
        dialog.fileSelected.connect(lambda path: self._spawn(self.make_bundle(number, Path(path))))
        return self._open(dialog)

    async def make_report(self, number: str, out: Path) -> str:
        """Write the report (and say where, with its hash and the fresh verification's result)."""
        from vms_desk.custody.report import write_report

        async def work() -> str:
            case = await asyncio.to_thread(self.workstation.case_file, number)
            result = await asyncio.to_thread(write_report, case, out, audit=self.workstation.audit)
            verdict = "passed" if result.verification.ok else "FAILED"
            return (
                f"Custody report of case {number}: {result.pdf} (SHA-256 {result.pdf_sha256[:16]}…); "
                f"fresh verification {verdict} for {result.verification.file_count} file(s)."
            )

        return await self._tell(work())

    async def make_bundle(self, number: str, out: Path) -> str:
        """Build the bundle (and say where, with its manifest's hash)."""
        from vms_desk.custody.bundle import make_bundle

        async def work() -> str:
            case = await asyncio.to_thread(self.workstation.case_file, number)
            result = await asyncio.to_thread(make_bundle, case, out, audit=self.workstation.audit)
            return (
                f"Bundle of case {number}: {result.folder} ({result.files} files, bundle manifest SHA-256 "
                f"{result.manifest_sha256[:16]}…); open its index.html in any browser."
            )

        return await self._tell(work())

    async def _tell(self, work: Coroutine[Any, Any, str]) -> str:
        try:
            text = await work
        except VmsDeskError as exc:
            text = str(exc)
        self.say(text)
        self.done.emit(text)
        return text

    def _open(self, dialog: QFileDialog) -> QFileDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def _spawn(self, work: Coroutine[Any, Any, str]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
