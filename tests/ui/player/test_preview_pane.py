"""The preview pane under the timeline on real exported media: the selected job's file and details."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.evidence.hashing import sha256_file
from vms_desk.jobs.records import FileRecord, JobRecord
from vms_desk.sim.media import render_jpeg, render_pdf, render_video
from vms_desk.ui.jobs.model import JobTableModel
from vms_desk.ui.player.player import Player, load_vlc
from vms_desk.ui.player.preview_pane import EMPTY_TEXT, PreviewPane
from vms_desk.ui.player.viewers import ImageViewer, PdfViewer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

AT = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
SERVER = ServerConfig(vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:9", user="demo", name="Station 1")
_LOADED = load_vlc(["--quiet", "--vout=dummy", "--aout=dummy"])
VLC_REASON = _LOADED if isinstance(_LOADED, str) else ""
needs_vlc = pytest.mark.skipif(bool(VLC_REASON), reason=f"libVLC cannot load here: {VLC_REASON}")


def job(
    folder: Path | None,
    names: list[str],
    *,
    state: JobState = JobState.DONE,
    fmt: str = "mkv",
    error: str = "",
) -> JobRecord:
    files = []
    for name in names:
        path = (folder or Path("/nonexistent")) / name
        size, digest = sha256_file(path) if path.exists() else (0, "0" * 64)
        files.append(FileRecord(name=name, size=size, sha256=digest))
    return JobRecord(
        id=uuid.uuid4().hex,
        created=AT,
        updated=AT,
        state=state,
        server=SERVER,
        camera_id="cam1",
        camera_name="Entrance",
        request=ExportRequest(
            camera_id="cam1", span=TimeSpan(start=AT, end=AT + timedelta(seconds=10)), format=fmt
        ),
        out_dir=Path("/tmp"),
        evidence_dir=folder,
        files=tuple(files),
        error=error,
        case="2026-0412",
        operator="Insp. Jones",
    )


@pytest.fixture
def pane(qtbot: QtBot) -> PreviewPane:
    widget = PreviewPane()
    qtbot.addWidget(widget)
    widget.resize(900, 360)
    widget.show()
    yield widget
    widget.release()


def show(pane: PreviewPane, record: JobRecord) -> None:
    pane.show_job(record, JobTableModel().details(record))


def test_without_a_job_the_pane_says_what_it_is_for(pane: PreviewPane) -> None:
    assert pane.objectName() == "previewPane"
    assert pane.current_widget() is pane.hint
    assert pane.hint.text() == EMPTY_TEXT
    assert not pane.details.isVisibleTo(pane)
    assert not pane.window_button.isVisibleTo(pane)


def test_a_jpg_and_a_pdf_are_shown_with_the_job_details(pane: PreviewPane, tmp_path: Path) -> None:
    (tmp_path / "frame.jpg").write_bytes(render_jpeg(camera_name="Entrance", at=AT))
    (tmp_path / "page.pdf").write_bytes(render_pdf(camera_name="Entrance", at=AT))
    frame = job(tmp_path, ["frame.jpg"], fmt="jpg")
    show(pane, frame)
    viewer = pane.current_widget()
    assert isinstance(viewer, ImageViewer)
    assert viewer.image_size().width() == 640
    assert pane.heading.text() == "Entrance (jpg) on Station 1 — Done"
    text = pane.details.toPlainText()
    assert frame.files[0].sha256 in text
    assert "Case 2026-0412 · Operator Insp. Jones" in text
    assert f"Evidence folder: {tmp_path}" in text
    assert pane.window_button.isVisibleTo(pane)
    assert not pane.file_combo.isVisibleTo(pane)  # one file: nothing to choose

    opened: list[Path] = []
    pane.windowRequested.connect(opened.append)
    pane.window_button.click()
    assert opened == [tmp_path / "frame.jpg"]

    show(pane, job(tmp_path, ["page.pdf"], fmt="pdf"))
    pdf = pane.current_widget()
    assert isinstance(pdf, PdfViewer)
    assert pdf.page_count() == 1
    pane.show_job(None)
    assert pane.current_widget() is pane.hint


def test_jobs_without_a_file_to_show_say_why(pane: PreviewPane, tmp_path: Path) -> None:
    show(pane, job(tmp_path, [], state=JobState.FAILED, error="The server refused the export."))
    assert pane.current_widget() is pane.note
    assert "failed" in pane.note.text()
    assert "The server refused the export." in pane.details.toPlainText()
    show(pane, job(tmp_path, [], state=JobState.DOWNLOADING))
    assert "downloading" in pane.note.text()
    (tmp_path / "export.zip").write_bytes(b"PK\x03\x04 not really")
    show(pane, job(tmp_path, ["export.zip"], fmt="zip"))
    assert "no built-in viewer for .zip files" in pane.note.text()
    gone = job(tmp_path, ["moved.mkv"])
    show(pane, gone)
    assert "not in the evidence folder any more" in pane.note.text()


def test_several_files_can_be_chosen(pane: PreviewPane, tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(render_jpeg(camera_name="Entrance", at=AT))
    (tmp_path / "b.pdf").write_bytes(render_pdf(camera_name="Entrance", at=AT))
    show(pane, job(tmp_path, ["a.jpg", "b.pdf"], fmt="pdf"))
    assert pane.file_combo.isVisibleTo(pane)
    assert pane.file_combo.count() == 2
    assert pane.current_path() == tmp_path / "a.jpg"
    pane.file_combo.setCurrentIndex(1)
    pane.file_combo.activated.emit(1)
    assert pane.current_path() == tmp_path / "b.pdf"
    assert isinstance(pane.current_widget(), PdfViewer)


@needs_vlc
def test_a_video_is_cued_on_its_first_frame_not_played(
    pane: PreviewPane, tmp_path: Path, qtbot: QtBot
) -> None:
    render_video(
        tmp_path / "clip.mkv",
        camera_name="Entrance",
        start=AT,
        end=AT + timedelta(seconds=4),
        container="mkv",
    )
    record = job(tmp_path, ["clip.mkv"])
    show(pane, record)
    player = pane.current_widget()
    assert isinstance(player, Player)
    assert player.objectName() == "player"
    assert pane.findChildren(Player) == [player]
    assert player.path() == tmp_path / "clip.mkv"
    assert not player.wants_play()
    assert player.playButton.text() == "Play"
    qtbot.waitUntil(lambda: not player.cueing(), timeout=5000)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=3000)
    assert player.length_ms() > 0
    # A progress or state update of the job on show leaves the player alone.
    show(pane, record.model_copy(update={"updated": AT + timedelta(seconds=1)}))
    assert pane.current_widget() is player
    assert not player.cueing()
    pane.play()
    qtbot.waitUntil(player.is_playing, timeout=3000)
    assert player.playButton.text() == "Pause"
    # Another job's image: the video pauses behind it; the same player serves the next video.
    (tmp_path / "frame.jpg").write_bytes(render_jpeg(camera_name="Entrance", at=AT))
    show(pane, job(tmp_path, ["frame.jpg"], fmt="jpg"))
    assert not player.wants_play()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=3000)
    tab_chain = pane.focus_chain()
    assert player.playButton in tab_chain
    assert all(isinstance(w, QWidget) for w in tab_chain)
