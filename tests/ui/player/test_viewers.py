"""Image and PDF viewers on a JPEG and a PDF made by the simulator's media generator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from vms_desk.sim.media import render_jpeg, render_pdf
from vms_desk.ui.player.player import Player
from vms_desk.ui.player.viewers import ImageViewer, PdfViewer, open_viewer, open_viewer_for, viewer_kind

# The offscreen platform warns whenever a top-level window's size constraints change; a real desktop
# does not. Only that message is ignored: every other Qt warning still fails the test.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

AT = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "frame.jpg"
    path.write_bytes(render_jpeg(camera_name="Entrance", at=AT, comment="Case 2026-0412"))
    return path


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "frame.pdf"
    path.write_bytes(render_pdf(camera_name="Entrance", at=AT, comment="Case 2026-0412"))
    return path


def wheel(widget: ImageViewer, notches: int) -> None:
    viewport = widget.view.viewport()
    pos = QPointF(viewport.width() / 2, viewport.height() / 2)
    event = QWheelEvent(
        pos,
        QPointF(viewport.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)


def test_image_viewer_fits_zooms_and_shows_100_percent(qtbot: QtBot, jpeg: Path) -> None:
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.resize(500, 400)
    viewer.show()
    assert viewer.load(jpeg)
    assert (viewer.image_size().width(), viewer.image_size().height()) == (640, 360)
    qtbot.waitExposed(viewer)
    viewer.fit()
    fitted = viewer.zoom()
    assert 0.3 < fitted < 1.0  # 640 px wide in a smaller view
    assert viewer.fitButton.isChecked()
    wheel(viewer, 2)
    assert viewer.zoom() == pytest.approx(fitted * 1.25**2)
    assert not viewer.fitButton.isChecked()
    viewer.actualButton.click()
    assert viewer.zoom() == pytest.approx(1.0)
    assert "100%" in viewer.info.text()
    assert "640×360" in viewer.info.text()
    for _ in range(40):
        wheel(viewer, -3)
    assert viewer.zoom() == pytest.approx(0.05)
    viewer.fitButton.click()
    assert viewer.zoom() == pytest.approx(fitted)


@pytest.mark.qt_log_ignore(
    "Corrupt JPEG data", "JPEG datastream contains no image"
)  # libjpeg on the bad file
def test_image_viewer_refuses_a_damaged_file(qtbot: QtBot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really")
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    assert not viewer.load(broken)
    assert "cannot read broken.jpg" in viewer.info.text()


def test_pdf_viewer_opens_the_page_and_renders_it_on_white(qtbot: QtBot, pdf: Path) -> None:
    viewer = PdfViewer()
    qtbot.addWidget(viewer)
    viewer.resize(600, 800)
    viewer.show()
    assert viewer.load(pdf)
    assert viewer.page_count() == 1
    assert "1 page" in viewer.info.text()
    qtbot.waitExposed(viewer)
    assert viewer.view.verticalScrollBar().maximum() == 0  # fit page: the whole page, no scrolling
    page = viewer.render_page(0, 400)
    assert page.width() == 400
    assert page.height() > 500  # A4 portrait
    assert page.pixelColor(2, 2) == QColor("white")  # margin: white, not transparent
    dark = sum(
        page.pixelColor(x, y).lightness() < 80 for x in range(0, 400, 8) for y in range(0, page.height(), 8)
    )
    assert dark > 50  # the snapshot is on the page


def test_pdf_viewer_reports_a_damaged_file(qtbot: QtBot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing else")
    viewer = PdfViewer()
    qtbot.addWidget(viewer)
    assert not viewer.load(broken)
    assert "cannot open broken.pdf" in viewer.info.text()


def test_open_viewer_for_chooses_by_extension(qtbot: QtBot, jpeg: Path, pdf: Path, tmp_path: Path) -> None:
    assert [
        viewer_kind(Path(n)) for n in ("a.MKV", "b.mp4", "c.avi", "d.JPG", "e.png", "f.pdf", "g.exe")
    ] == [
        "video",
        "video",
        "video",
        "image",
        "image",
        "pdf",
        None,
    ]
    image = open_viewer_for(jpeg)
    qtbot.addWidget(image)
    assert isinstance(image, ImageViewer)
    assert image.windowTitle().startswith("frame.jpg")
    document = open_viewer(pdf)
    qtbot.addWidget(document)
    assert isinstance(document, PdfViewer)
    assert document.page_count() == 1
    player = open_viewer_for(tmp_path / "clip.mkv")
    qtbot.addWidget(player)
    assert isinstance(player, Player)
    player.release()
    other = open_viewer_for(tmp_path / "export.exe")
    qtbot.addWidget(other)
    assert isinstance(other, QLabel)
    assert "no built-in viewer for .exe" in other.text()
