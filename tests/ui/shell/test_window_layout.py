"""The main window as an investigator meets it: the centre's layout on first run, the job columns at
1280 px, shortcuts shown in the menus, Delete with a confirmation, the Tab order, and snapshots noted."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.records import FileRecord, JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.ui.jobs.model import COL_ERROR, COL_STATE
from vms_desk.ui.player.preview_pane import PreviewPane

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def seed(home: Path, state: JobState, *, folder: Path | None = None) -> str:
    """A job in the store, moved along the state machine to `state` (done: with a file in `folder`)."""
    store = JobStore(home / "jobs.sqlite3")
    now = datetime.now(UTC)
    span = TimeSpan(start=now - timedelta(hours=1), end=now - timedelta(minutes=59))
    record = JobRecord(
        id=uuid.uuid4().hex,
        created=now,
        updated=now,
        state=JobState.QUEUED,
        server=ServerConfig(vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:9", user="demo"),
        camera_id="cam1",
        camera_name="Entrance",
        request=ExportRequest(camera_id="cam1", span=span, format="mkv"),
        out_dir=home / "evidence",
    )
    store.add(record)
    path = [JobState.SUBMITTING]
    if state is JobState.DONE:
        path += [JobState.PROCESSING, JobState.DOWNLOADING, JobState.VERIFYING]
    for step in path:
        store.move(record.id, step)
    changes: dict = {"error": "The Axxon One server refused the export: no recording in this span."}
    if state is JobState.DONE:
        changes = {"evidence_dir": folder, "files": (FileRecord(name="clip.mkv", size=5, sha256="ab" * 32),)}
    store.move(record.id, state, **changes)
    return record.id


async def until(condition, seconds: float = 5.0) -> bool:
    """Await (never a nested Qt loop: asyncio tasks are pending) until `condition()` or the deadline."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return True
        await asyncio.sleep(0.01)
    return bool(condition())


async def shown(window: QWidget, width: int = 1280, height: int = 820) -> None:
    """Show the window, laid out at this size and active (shortcuts need an active window)."""
    window.resize(width, height)
    window.show()
    window.activateWindow()
    assert await until(lambda: QApplication.activeWindow() is window and window.width() == width)
    await asyncio.sleep(0.02)  # one more turn for the layouts


@pytest.mark.asyncio
async def test_the_centre_has_no_dead_space_and_the_message_column_stretches(gui):
    window = gui.window
    await shown(window)
    centre, dock = window.centre, window.job_dock
    pane = centre.findChild(PreviewPane, "previewPane")
    assert pane is centre.preview
    timeline = centre.timeline
    # The preview pane takes the height between the timeline and the job list.
    gap = (
        pane.mapTo(centre, pane.rect().topLeft()).y()
        - timeline.mapTo(centre, timeline.rect().bottomLeft()).y()
    )
    assert 0 <= gap <= 16
    assert centre.height() - pane.mapTo(centre, pane.rect().bottomLeft()).y() <= 12
    assert pane.height() >= 200
    assert dock.height() >= 200  # and the job list still has room for rows
    # The message column gets what the others leave; state and ETA keep their width.
    header = dock.view.horizontalHeader()
    used = sum(header.sectionSize(c) for c in range(header.count()))
    assert used == dock.view.viewport().width()
    narrow = header.sectionSize(COL_ERROR)
    assert narrow >= 170
    state_width = header.sectionSize(COL_STATE)
    window.resize(1600, 820)
    assert await until(lambda: header.sectionSize(COL_ERROR) >= narrow + 300)
    assert header.sectionSize(COL_STATE) == state_width


@pytest.mark.asyncio
async def test_long_cells_carry_their_full_text_as_a_tooltip(home, http, memory_keyring):
    from vms_desk.app import compose

    seed(home, JobState.FAILED)
    parts = compose(home=home, http=http, out_dir=home / "evidence")
    try:
        parts.start()
        model = parts.window.job_model
        message = model.index(0, COL_ERROR)
        assert model.data(message, Qt.ItemDataRole.ToolTipRole) == model.data(message)
        state_tip = model.data(model.index(0, COL_STATE), Qt.ItemDataRole.ToolTipRole)
        assert state_tip.startswith("Failed\nThe Axxon One server refused the export")
    finally:
        await parts.aclose()
        parts.dispose()


@pytest.mark.asyncio
async def test_menus_show_the_shortcuts_and_ctrl_f_finds_a_camera(gui):
    window = gui.window
    actions = window.menu_actions
    shortcuts = {name: actions[name].shortcut() for name in actions}
    assert shortcuts["exportAction"] == QKeySequence("Ctrl+E")
    assert shortcuts["addServerAction"] == QKeySequence("Ctrl+N")
    assert shortcuts["openEvidenceAction"] == QKeySequence("Ctrl+O")
    assert shortcuts["findCameraAction"] == QKeySequence(QKeySequence.StandardKey.Find)
    assert shortcuts["zoomSelectionAction"] == QKeySequence("Z")
    assert window.job_dock.actions_by_name["remove"].shortcut() == QKeySequence(
        QKeySequence.StandardKey.Delete
    )
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert set(menus) == {"File", "Export", "Jobs", "View", "Help"}
    assert window.job_dock.actions_by_name["remove"] in menus["Jobs"].actions()
    assert actions["exportAction"] in menus["Export"].actions()

    await shown(window)
    window.sources.filter.setText("park")
    window.job_dock.search.setFocus()
    QTest.keyClick(window.job_dock.search, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.sources.filter
    assert window.sources.filter.objectName() == "sourceFilter"
    assert window.sources.filter.selectedText() == "park"  # typing replaces the old filter

    # Z zooms the timeline only while it has the focus (elsewhere it is a letter being typed).
    timeline = window.centre.timeline
    before = timeline.view()
    QTest.keyClicks(window.sources.filter, "z")
    assert window.sources.filter.text() == "z"
    assert timeline.view() == before
    timeline.setFocus()
    QTest.keyClick(timeline, Qt.Key.Key_Z)
    assert timeline.view() != before


@pytest.mark.asyncio
async def test_delete_removes_a_job_after_a_confirmation(home, http, memory_keyring):
    from vms_desk.app import compose

    job_id = seed(home, JobState.FAILED)
    parts = compose(home=home, http=http, out_dir=home / "evidence")
    try:
        parts.start()
        window, dock = parts.window, parts.window.job_dock
        await shown(window)
        dock.select_job(job_id)
        dock.view.setFocus()
        QTest.keyClick(dock.view, Qt.Key.Key_Delete)
        box = dock.confirm_box
        assert isinstance(box, QMessageBox)
        assert box.objectName() == "removeJobsBox"
        assert box.isVisible()
        assert box.isModal() or box.windowModality() != Qt.WindowModality.NonModal  # open(), not exec()
        assert "evidence folders and their files stay on disk" in box.text()
        box.button(QMessageBox.StandardButton.Cancel).click()
        assert window.job_model.row_of(job_id) == 0  # cancelled: still listed

        QTest.keyClick(dock.view, Qt.Key.Key_Delete)
        dock.confirm_box.button(QMessageBox.StandardButton.Yes).click()
        assert await until(lambda: window.job_model.row_of(job_id) == -1)  # the delete runs off this thread
        assert [j.id for j in parts.workstation.store.jobs()] == []
    finally:
        await parts.aclose()
        parts.dispose()


@pytest.mark.asyncio
async def test_tab_goes_left_to_right_top_to_bottom(gui):
    window = gui.window
    expected = [
        "sourceFilter",
        "sourceTree",
        "addServerButton",
        "startEdit",
        "endEdit",
        "fitButton",
        "zoomSelectionButton",
        "exportButton",
        "timeline",
        "previewFile",
        "previewWindowButton",
        "previewFolderButton",
        "jobDetail",
        "jobStateFilter",
        "jobSearch",
        "jobView",
    ]
    seen: list[str] = []
    widget = window.sources.filter
    for _ in range(400):
        if widget.objectName() in expected and widget.objectName() not in seen:
            seen.append(widget.objectName())
        widget = widget.nextInFocusChain()
        if widget is window.sources.filter:
            break
    assert seen == expected


@pytest.mark.asyncio
async def test_a_snapshot_is_noted_in_the_jobs_events_not_in_the_manifest(home, http, memory_keyring):
    from vms_desk.app import compose

    folder = home / "evidence" / "case" / "20261120T130500Z_Entrance_abcd1234"
    (folder / "snapshots").mkdir(parents=True)
    job_id = seed(home, JobState.DONE, folder=folder)
    shot = folder / "snapshots" / "clip_snapshot_000004200ms.png"
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    assert image.save(str(shot))
    parts = compose(home=home, http=http, out_dir=home / "evidence")
    try:
        parts.start()
        text = parts.window.evidence.snapshot_taken(shot)
        assert text.startswith(f"Snapshot saved as snapshots/{shot.name} and noted in the job's history")
        assert parts.window.status_text.text() == text
        await parts.workstation.engine.writer.drain()  # the note is written off the GUI thread
        last = parts.workstation.store.events(job_id)[-1]
        assert last.state is JobState.DONE
        assert f"Snapshot snapshots/{shot.name} ({shot.stat().st_size} bytes, SHA-256 " in last.detail
        assert "the manifest is unchanged" in last.detail
        # A snapshot of a file that belongs to no job is saved, and said not to be evidence.
        other = home / "elsewhere.png"
        assert image.save(str(other))
        assert "not part of any export's hashed files" in parts.window.evidence.snapshot_taken(other)
    finally:
        await parts.aclose()
        parts.dispose()
