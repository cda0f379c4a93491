"""Open evidence folder…: every manifest's files with their verification result, previewable offline."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.times import local_zone, zone_label
from vms_desk.evidence.manifest import read_manifest
from vms_desk.evidence.verify import FileCheck, FileStatus, ManifestCheck, VerifyReport, verify
from vms_desk.present.job_text import human_bytes
from vms_desk.ui.player.player import SNAPSHOT_FOLDER
from vms_desk.ui.player.viewers import open_viewer_for
from vms_desk.workstation.tasks import TaskSet

log = logging.getLogger(__name__)

PathRole = Qt.ItemDataRole.UserRole + 1

_STATUS_TEXT = {
    FileStatus.OK: ("matches", "#2e7d32"),
    FileStatus.CHANGED: ("CHANGED since export", "#c62828"),
    FileStatus.MISSING: ("MISSING", "#c62828"),
    FileStatus.UNSAFE: ("refused: name points outside the folder", "#c62828"),
}


SNAPSHOT_STATUS = "player snapshot, not in the manifest"
SNAPSHOT_TIP = (
    "Saved from the built-in player after the export. It is not one of the exported files: the manifest "
    "does not list or hash it, and verification leaves it out."
)


Snapshots = dict[Path, list[tuple[Path, int]]]  # export folder -> (snapshot, size in bytes)


def find_snapshots(report: VerifyReport) -> Snapshots:
    """Player snapshots in `snapshots/` beside each export's manifest (run in a thread: disk I/O)."""
    found: Snapshots = {}
    for check in report.manifests:
        folder = check.manifest.parent / SNAPSHOT_FOLDER
        if folder.is_dir():
            files = sorted(p for p in folder.iterdir() if p.is_file())
            found[check.manifest.parent] = [(p, p.stat().st_size) for p in files]
    return found


def open_preview(path: Path, parent: QWidget | None = None) -> QWidget:
    """Show a file in its own window: the player (video), the image or PDF viewer, or a note why not."""
    widget = open_viewer_for(path, parent)
    # Built with a parent (so it closes with the main window) but shown as a window of its own.
    widget.setWindowFlag(Qt.WindowType.Window, True)
    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    widget.resize(960, 640)
    widget.show()
    return widget


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary(report: VerifyReport) -> tuple[str, bool]:
    """One sentence about a verification and whether it is all good."""
    if not report.manifests:
        return f"No manifest.json was found in {report.root}: this is not a vms_desk evidence folder.", False
    problems = report.problems
    unreadable = [m for m in report.manifests if m.error]
    count = f"{_plural(len(report.manifests), 'export')}, {_plural(report.file_count, 'file')}"
    if not problems and not unreadable:
        return f"{count}: every file matches its manifest (size and SHA-256).", True
    parts = []
    if problems:
        parts.append(f"{_plural(len(problems), 'file')} {'does' if len(problems) == 1 else 'do'} not match")
    if unreadable:
        parts.append(f"{_plural(len(unreadable), 'manifest')} cannot be read")
    return f"{count}: " + " and ".join(parts) + ".", False


class EvidenceBrowser(QWidget):
    """A window listing what an evidence folder holds and whether it is intact.

    Signals:
        previewRequested(object): open this file (a Path).
        verified(object): a VerifyReport arrived.
    """

    previewRequested = Signal(object)  # noqa: N815 - Qt signal naming
    verified = Signal(object)

    def __init__(self, folder: Path, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("evidenceBrowser")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Evidence: {folder}")
        self.resize(900, 480)
        self.folder = folder
        self.tasks = tasks
        self.report: VerifyReport | None = None
        self._snapshots: Snapshots = {}
        self.headline = QLabel(f"Verifying {folder}…", objectName="evidenceSummary", wordWrap=True)
        self.tree = QTreeWidget(objectName="evidenceTree")
        self.tree.setHeaderLabels(
            [
                f"Export and files — times in {zone_label()}",
                "Verification",
                "Size",
                "SHA-256",
            ]
        )
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemSelectionChanged.connect(self._selection)
        self.preview_button = QPushButton("Preview", objectName="evidencePreview", enabled=False)
        self.preview_button.clicked.connect(lambda: self._activated(self.tree.currentItem(), 0))
        self.folder_button = QPushButton("Open folder", objectName="evidenceOpenFolder")
        self.folder_button.clicked.connect(self._open_folder)
        self.verify_button = QPushButton("Verify again", objectName="evidenceVerify")
        self.verify_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Verify the folder again, in a thread (hashing must not block the window)."""
        self.verify_button.setEnabled(False)
        self.headline.setText(f"Verifying {self.folder}…")
        self.tasks.spawn(self.load(), name="verify-evidence")

    async def load(self) -> VerifyReport:
        """Verify and show the result; returns the report."""
        try:
            report = await asyncio.to_thread(verify, self.folder)
            snapshots = await asyncio.to_thread(find_snapshots, report)
        finally:
            self.verify_button.setEnabled(True)
        self.show_report(report, snapshots)
        return report

    def show_report(self, report: VerifyReport, snapshots: Snapshots | None = None) -> None:
        """Fill the tree from a report (and the player snapshots kept beside each export's files)."""
        self.report = report
        self._snapshots = snapshots or {}
        text, ok = summary(report)
        self.headline.setText(text)
        self.headline.setStyleSheet("color: #2e7d32;" if ok else "color: #c62828; font-weight: bold;")
        self.tree.clear()
        for check in report.manifests:
            self.tree.addTopLevelItem(self._manifest_item(check))
        self.tree.expandAll()
        for column in (1, 2, 3):
            self.tree.resizeColumnToContents(column)
        self.verified.emit(report)

    def _manifest_item(self, check: ManifestCheck) -> QTreeWidgetItem:
        title = str(
            check.manifest.parent.relative_to(self.folder)
            if check.manifest.parent != self.folder
            else check.manifest.parent.name
        )
        item = QTreeWidgetItem([title, "", "", ""])
        item.setData(0, PathRole, str(check.manifest.parent))
        if check.error:
            item.setText(1, check.error)
            item.setForeground(1, QBrush(QColor("#c62828")))
            return item
        try:
            manifest = read_manifest(check.manifest)
        except Exception:
            manifest = None
        if manifest is not None:
            zone = local_zone()
            start = manifest.requested.start.astimezone(zone)
            case = f" · case {manifest.case}" if manifest.case else ""
            title = f"{manifest.source.camera_name} — {start:%Y-%m-%d %H:%M:%S} ({manifest.requested.format})"
            item.setText(0, title + case)
            item.setToolTip(
                0,
                "\n".join(
                    [
                        f"Case: {manifest.case or '—'}   Operator: {manifest.operator or '—'}",
                        f"Source: {manifest.source.vendor} {manifest.source.url}",
                        f"Requested: {manifest.requested.start:%Y-%m-%d %H:%M:%S} – "
                        f"{manifest.requested.end:%Y-%m-%d %H:%M:%S} UTC",
                        f"Folder: {check.manifest.parent}",
                    ]
                ),
            )
        item.setText(1, "all files match" if check.ok else "PROBLEM")
        item.setForeground(1, QBrush(QColor("#2e7d32" if check.ok else "#c62828")))
        for file in check.files:
            item.addChild(self._file_item(file))
        for shot, size in self._snapshots.get(check.manifest.parent, []):
            item.addChild(self._snapshot_item(shot, size))
        return item

    @staticmethod
    def _snapshot_item(path: Path, size: int) -> QTreeWidgetItem:
        child = QTreeWidgetItem([f"{SNAPSHOT_FOLDER}/{path.name}", SNAPSHOT_STATUS, human_bytes(size), "—"])
        child.setData(0, PathRole, str(path))
        grey = QBrush(QColor("#6b7280"))
        for column in range(4):
            child.setForeground(column, grey)
            child.setToolTip(column, SNAPSHOT_TIP)
        return child

    @staticmethod
    def _file_item(file: FileCheck) -> QTreeWidgetItem:
        text, colour = _STATUS_TEXT[file.status]
        size = human_bytes(file.actual_size if file.actual_size is not None else file.expected_size)
        child = QTreeWidgetItem([file.name, text, size, file.expected_sha256[:16] + "…"])
        child.setForeground(1, QBrush(QColor(colour)))
        child.setData(0, PathRole, str(file.path))
        tip = f"Expected SHA-256 {file.expected_sha256} ({file.expected_size} bytes)"
        if file.actual_sha256 and file.status is FileStatus.CHANGED:
            tip += f"\nFound    SHA-256 {file.actual_sha256} ({file.actual_size} bytes)"
        child.setToolTip(3, tip)
        child.setToolTip(1, tip)
        return child

    def _selection(self) -> None:
        item = self.tree.currentItem()
        self.preview_button.setEnabled(
            bool(item is not None and item.parent() is not None and Path(item.data(0, PathRole)).is_file())
        )

    def _activated(self, item: QTreeWidgetItem | None, _column: int) -> None:
        if item is None or item.parent() is None:
            return
        path = Path(item.data(0, PathRole))
        if path.is_file():
            self.previewRequested.emit(path)

    def _open_folder(self) -> None:
        item = self.tree.currentItem()
        target: Any = self.folder
        if item is not None:
            target = Path(item.data(0, PathRole))
            target = target.parent if target.is_file() else target
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
