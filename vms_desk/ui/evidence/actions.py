"""Previews and evidence folders for the main window: the centre preview pane, preview windows, the
evidence browser, and player snapshots (saved apart from the hashed files and noted in the job's events)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from vms_desk.evidence.hashing import sha256_file
from vms_desk.jobs.records import JobRecord
from vms_desk.ui.jobs.model import JobTableModel
from vms_desk.ui.player.player import SNAPSHOT_FOLDER, Player, clock_text
from vms_desk.ui.player.preview_pane import PreviewPane
from vms_desk.workstation.tasks import TaskSet

WINDOW_PLAYER = "previewPlayer"  # `player` names the pane's player: one widget per object name


def open_folder(folder: Path) -> None:
    """Open a folder in the desktop's file manager."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class EvidenceActions(QObject):
    """What the window does with exported files: show the selected job in the pane, play a file, open a
    file in a window of its own, browse and verify an evidence folder, and record player snapshots."""

    def __init__(
        self,
        window: QWidget,
        pane: PreviewPane,
        jobs: JobTableModel,
        engine: Any,
        tasks: TaskSet,
        *,
        status: Callable[[str, int], None],
        out_dir: Callable[[], Path],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.pane = pane
        self.jobs = jobs
        self.engine = engine
        self.tasks = tasks
        self._status = status
        self._out_dir = out_dir
        self.windows: list[QWidget] = []  # preview windows of their own
        self._watched: Player | None = None
        pane.windowRequested.connect(self.open_window)
        pane.folderRequested.connect(open_folder)

    # --- the pane ---------------------------------------------------------------------------------------
    def show_job(self, job: JobRecord | None) -> None:
        """Show the selected job (None: nothing or several selected) in the preview pane."""
        self.pane.show_job(job, self.jobs.details(job) if job is not None else "")
        self._watch_pane_player()

    def job_updated(self, job: JobRecord) -> None:
        """A job changed: refresh the pane when it is the one shown (e.g. it just finished)."""
        shown = self.pane.job()
        if shown is not None and shown.id == job.id:
            self.show_job(job)

    def job_removed(self, job_id: str) -> None:
        """A job left the list: clear the pane when it showed it."""
        shown = self.pane.job()
        if shown is not None and shown.id == job_id:
            self.pane.clear()

    def preview(self, path: Path) -> QWidget:
        """Play (or show) a file in the preview pane; the page showing it (the Player for a video)."""
        widget = self.pane.show_file(Path(path), autoplay=True)
        self._watch_pane_player()
        return widget

    def _watch_pane_player(self) -> None:
        player = self.pane.player()
        if player is not None and player is not self._watched:
            self._watched = player
            player.snapshotTaken.connect(self.snapshot_taken)

    # --- windows of their own ---------------------------------------------------------------------------
    def open_window(self, path: Path) -> QWidget:
        """Show a file in a window of its own (listed in `windows`); the pane's video pauses meanwhile."""
        from vms_desk.ui.evidence.browser import open_preview

        player = self.pane.player()
        if player is not None:
            player.pause()
        widget = open_preview(Path(path), self.window)
        if isinstance(widget, Player):
            widget.setObjectName(WINDOW_PLAYER)
            widget.snapshotTaken.connect(self.snapshot_taken)
        self.windows.append(widget)
        widget.destroyed.connect(lambda: widget in self.windows and self.windows.remove(widget))
        return widget

    def open_evidence_folder(self, folder: Path | None = None) -> QWidget:
        """Pick an evidence folder and list its manifests' files with their verification result."""
        from vms_desk.ui.evidence.browser import EvidenceBrowser

        if folder is None:
            # open(), not the static getExistingDirectory(): a nested modal loop would stall asyncio.
            picker = QFileDialog(self.window, "Open evidence folder", str(self._out_dir()))
            picker.setObjectName("evidenceFolderPicker")
            picker.setFileMode(QFileDialog.FileMode.Directory)
            picker.setOption(QFileDialog.Option.ShowDirsOnly, True)
            picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            picker.fileSelected.connect(lambda chosen: self.open_evidence_folder(Path(chosen)))
            picker.open()
            return picker
        browser = EvidenceBrowser(folder, self.tasks, parent=self.window)
        browser.previewRequested.connect(self.open_window)
        browser.show()
        return browser

    def close_all(self) -> None:
        """Close the preview windows and free the pane's player (the window is closing)."""
        for widget in list(self.windows):
            if shiboken6.isValid(widget):
                widget.close()
        self.pane.release()

    # --- snapshots --------------------------------------------------------------------------------------
    def _job_of(self, path: Path) -> JobRecord | None:
        """The job whose evidence folder holds `path` (directly or in its snapshots/ subfolder)."""
        folders = {path.parent, path.parent.parent} if path.parent.name == SNAPSHOT_FOLDER else {path.parent}
        jobs = (j for j in self.jobs.records() if j.evidence_dir is not None)
        return next((j for j in jobs if Path(str(j.evidence_dir)) in folders), None)

    def snapshot_taken(self, path: Path) -> str:
        """Note a player snapshot in its job's events (the manifest is left alone); the status line."""
        path = Path(path)
        job = self._job_of(path)
        player = self.sender() if isinstance(self.sender(), Player) else self.pane.player()
        source = player.path() if isinstance(player, Player) else None
        at = clock_text(player.time_ms()) if isinstance(player, Player) else "?"
        size, digest = sha256_file(path)  # a PNG of one frame: a millisecond or two
        where = f"{path.parent.name}/{path.name}" if path.parent.name == SNAPSHOT_FOLDER else str(path)
        if job is None or self.engine is None:
            text = f"Snapshot saved: {path} (it is not part of any export's hashed files)."
            self._status(text, 10000)
            return text
        detail = (
            f"Snapshot {where} ({size} bytes, SHA-256 {digest}) taken in the player"
            f"{f' from {source.name}' if source else ''} at {at}. It is kept apart from the exported "
            "files; the manifest is unchanged."
        )
        # On the store's writer thread, not here: a team store is a network away. A failure is logged
        # there, and an unreachable store only delays the note (the writer waits for it).
        self.engine.writer.post(self.engine.store.add_event, job.id, detail)
        text = f"Snapshot saved as {where} and noted in the job's history (the manifest is unchanged)."
        self._status(text, 10000)
        return text
