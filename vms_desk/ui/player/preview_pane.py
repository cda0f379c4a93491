"""The preview pane under the timeline: the selected job's file (video in the embedded player, JPG, PDF)
beside what the job is (camera, span, evidence folder, hashes), so a finished export is checked in place.

The pane owns the window's only Player (objectName `player`); it is built on first use because loading
libVLC takes a few tenths of a second.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.jobstate import JobState
from vms_desk.ui.player.player import Player

if TYPE_CHECKING:
    from vms_desk.jobs.records import JobRecord
    from vms_desk.ui.player.viewers import ImageViewer, PdfViewer

EMPTY_TEXT = (
    "Select a finished export in the job list to check it here: videos play in the built-in player, "
    "JPG and PDF files are shown as exported.\nDouble-click a job (or press Enter) to play it."
)
_WAITING = {
    JobState.QUEUED: "The export is queued: its file can be previewed once it is done.",
    JobState.SUBMITTING: "The export is being started on the server: preview it once it is done.",
    JobState.PROCESSING: "The server is making the export: preview it once it is done.",
    JobState.DOWNLOADING: "The file is downloading: preview it once it is done.",
    JobState.VERIFYING: "The file is being checked: preview it in a moment.",
    JobState.CANCELLED: "The export was cancelled: there is no file to preview.",
    JobState.INTERRUPTED: "The export was interrupted and resumes on its own: preview it once it is done.",
}
PlayerFactory = Callable[[QWidget], Player]


def _muted(label: QLabel) -> QLabel:
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class PreviewPane(QFrame):
    """The selected job's file and details, or a hint when no finished job is selected.

    Signals:
        windowRequested(object): show this Path in a window of its own.
        folderRequested(object): open this folder (a Path) in the file manager.
    """

    windowRequested = Signal(object)  # noqa: N815 - Qt signal naming
    folderRequested = Signal(object)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None, *, player_factory: PlayerFactory = Player) -> None:
        super().__init__(parent)
        self.setObjectName("previewPane")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(160)
        self._player_factory = player_factory
        self._player: Player | None = None
        self._image: ImageViewer | None = None
        self._pdf: PdfViewer | None = None
        self._job: JobRecord | None = None
        self._path: Path | None = None
        header = self._build_header()
        body = self._build_body()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addLayout(body, 1)
        self.clear()

    def _build_header(self) -> QHBoxLayout:
        self.heading = QLabel("Preview", objectName="previewHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.file_combo = QComboBox(objectName="previewFile")
        self.file_combo.setToolTip("The export made several files: choose the one to show")
        self.file_combo.activated.connect(lambda _: self._file_chosen())
        self.window_button = QToolButton(objectName="previewWindowButton", text="Open in window")
        self.window_button.setToolTip("Show this file in a window of its own, e.g. on a second screen")
        self.window_button.clicked.connect(lambda: self._path and self.windowRequested.emit(self._path))
        self.folder_button = QToolButton(objectName="previewFolderButton", text="Open folder")
        self.folder_button.setToolTip("Open the job's evidence folder in the file manager")
        self.folder_button.clicked.connect(self._open_folder)
        header = QHBoxLayout()
        header.addWidget(self.heading, 1)
        for widget in (self.file_combo, self.window_button, self.folder_button):
            header.addWidget(widget)
        return header

    def _build_body(self) -> QHBoxLayout:
        self.stack = QStackedWidget(objectName="previewStack")
        self.hint = _muted(QLabel(EMPTY_TEXT, objectName="previewHint", wordWrap=True))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = _muted(QLabel(objectName="previewNote", wordWrap=True))
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.note)
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        # Messages, paths and hashes are too long for table cells, and must be copyable: they are shown
        # here, read-only, wrapped anywhere (a hash or a path has no spaces to wrap at), copied intact.
        self.details = QPlainTextEdit(objectName="jobDetail", readOnly=True)
        self.details.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.viewport().setAutoFillBackground(False)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.details.setMinimumWidth(260)
        self.details.setMaximumWidth(460)

        body = QHBoxLayout()
        body.addWidget(self.stack, 3)
        body.addWidget(self.details, 2)
        return body

    # --- what is shown --------------------------------------------------------------------------------
    def job(self) -> JobRecord | None:
        """The job shown, or None."""
        return self._job

    def current_path(self) -> Path | None:
        """The file shown (or being played), or None."""
        return self._path

    def current_widget(self) -> QWidget:
        """The page on show: the player, an image or PDF viewer, the hint or a note."""
        return self.stack.currentWidget()

    def player(self) -> Player | None:
        """The embedded player (objectName `player`), once a video was shown."""
        return self._player

    def clear(self) -> None:
        """No job: the hint, no details."""
        self._job, self._path = None, None
        self.heading.setText("Preview")
        self.details.clear()
        self.details.hide()
        for widget in (self.file_combo, self.window_button, self.folder_button):
            widget.hide()
        self._show_page(self.hint)

    def show_job(self, job: JobRecord | None, details: str = "") -> None:
        """Show a job: its details, and its first file that has a built-in viewer (a video is cued,
        paused on its first frame, not played: clicking through the list must stay quiet)."""
        if job is None:
            self.clear()
            return
        same_job = self._job is not None and self._job.id == job.id
        self._job = job
        # The details' first line says which job this is (camera, format, server, state): it heads the pane.
        first, _, rest = details.partition("\n")
        self.heading.setText(first or f"{job.label} on {job.server.label}")
        self.heading.setToolTip(first)
        self.details.setPlainText(rest if first else details)
        self.details.show()
        self.folder_button.setVisible(job.evidence_dir is not None)
        files = self._files(job)
        self.file_combo.blockSignals(True)
        self.file_combo.clear()
        for path in files:
            self.file_combo.addItem(path.name, str(path))
        self.file_combo.blockSignals(False)
        self.file_combo.setVisible(len(files) > 1)
        if not files:
            self._path = None
            self.window_button.hide()
            self._note(self._no_file_text(job))
            return
        if same_job and self._path in files:
            self.file_combo.setCurrentIndex(files.index(self._path))
            return  # a progress or state update of the job on show: leave the player alone
        from vms_desk.ui.player.viewers import viewer_kind  # QtPdf: not before the first paint

        shown = next((p for p in files if viewer_kind(p) is not None), files[0])
        self.file_combo.setCurrentIndex(files.index(shown))
        self.show_file(shown, autoplay=False)

    def show_file(self, path: Path, *, autoplay: bool = True) -> QWidget:
        """Show one file (a video plays when `autoplay`); returns the page that shows it."""
        path = Path(path)
        self._path = path
        index = self.file_combo.findData(str(path))
        if index >= 0:
            self.file_combo.setCurrentIndex(index)
        self.window_button.setVisible(True)
        if not path.is_file():
            return self._note(
                f"{path.name} is not in the evidence folder any more ({path.parent}): "
                "it was moved or deleted after the export."
            )
        from vms_desk.ui.player.viewers import ImageViewer, PdfViewer, viewer_kind

        kind = viewer_kind(path)
        if kind == "video":
            player = self._ensure_player()
            if player.available:
                player.open(path, autoplay=autoplay, cue=not autoplay)
            return self._show_page(player)
        if kind == "image":
            if self._image is None:
                self._image = ImageViewer(self)
                self.stack.addWidget(self._image)
            self._image.load(path)
            return self._show_page(self._image)
        if kind == "pdf":
            if self._pdf is None:
                self._pdf = PdfViewer(self)
                self.stack.addWidget(self._pdf)
            self._pdf.load(path)
            return self._show_page(self._pdf)
        self.window_button.hide()
        return self._note(
            f"vms_desk has no built-in viewer for {path.suffix or 'these'} files: "
            "open the folder to use the file with another program."
        )

    def play(self) -> None:
        """Play the video on show (no effect for other files)."""
        if self._player is not None and self.stack.currentWidget() is self._player:
            self._player.play()

    def release(self) -> None:
        """Free libVLC before the window goes (the player draws into a native window of this pane)."""
        if self._player is not None:
            self._player.release()

    def focus_chain(self) -> list[QWidget]:
        """The pane's widgets in the order Tab visits them (the player's once it exists)."""
        chain: list[QWidget] = [self.file_combo, self.window_button, self.folder_button, self.details]
        if self._player is not None:
            player = self._player
            chain += [player, player.playButton, player.frameButton, player.seekSlider]
            chain += [player.speedCombo, player.snapshotButton]
        return chain

    # --- internals ------------------------------------------------------------------------------------
    @staticmethod
    def _files(job: JobRecord) -> list[Path]:
        if job.evidence_dir is None or job.state is not JobState.DONE:
            return []
        return [Path(job.evidence_dir) / f.name for f in job.files]

    @staticmethod
    def _no_file_text(job: JobRecord) -> str:
        if job.state is JobState.FAILED:
            return "The export failed, so there is no file to preview. Retry it from the job list."
        if job.state is JobState.DONE and job.server_path:
            return f"The files stay on the server: {job.server_path}"
        return _WAITING.get(job.state, "There is no file to preview.")

    def _ensure_player(self) -> Player:
        if self._player is None:
            self._player = self._player_factory(self)
            self.stack.addWidget(self._player)
            chain = [self.details, *self.focus_chain()[4:]]
            for first, second in itertools.pairwise(chain):
                QWidget.setTabOrder(first, second)
        return self._player

    def _show_page(self, page: QWidget) -> QWidget:
        if self._player is not None and page is not self._player:
            self._player.pause()
        self.stack.setCurrentWidget(page)
        return page

    def _note(self, text: str) -> QWidget:
        self.note.setText(text)
        return self._show_page(self.note)

    def _file_chosen(self) -> None:
        data = self.file_combo.currentData()
        if data:
            self.show_file(Path(str(data)), autoplay=False)

    def _open_folder(self) -> None:
        if self._job is not None and self._job.evidence_dir is not None:
            self.folderRequested.emit(Path(self._job.evidence_dir))
