"""Area editor: mouse drawing over a real frame gives the normalised JSON Axxon One wants."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from vms_desk.core.options import validate_area, validate_polygons
from vms_desk.sim.media import render_jpeg
from vms_desk.ui.export.area_editor import AreaEditor

AT = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)


@pytest.fixture
def editor(qtbot: QtBot) -> AreaEditor:
    """A 640x360 frame drawn 1:1 at (8, 8): widget point (8 + 640 x, 8 + 360 y) is frame point (x, y)."""
    widget = AreaEditor(image=render_jpeg(camera_name="Entrance", at=AT))
    qtbot.addWidget(widget)
    widget.add_rect("croparea", "Crop area")
    widget.enable_polygons("maskspace", "Privacy masks")
    widget.resize(656, 376)
    widget.show()
    return widget


def at(x: float, y: float) -> QPoint:
    return QPoint(round(8 + 640 * x), round(8 + 360 * y))


def drag(qtbot: QtBot, widget: AreaEditor, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(widget, (a + b) / 2)
    qtbot.mouseMove(widget, b)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=b)


def test_the_frame_fills_the_canvas(editor: AreaEditor) -> None:
    assert editor.objectName() == "areaEditor"
    assert editor.has_image()
    rect = editor.canvas_rect()
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (8, 8, 640, 360)


def test_dragging_draws_moves_and_resizes_the_crop(editor: AreaEditor, qtbot: QtBot) -> None:
    assert editor.rect_value("croparea") is None
    with qtbot.waitSignal(editor.changed):
        drag(qtbot, editor, at(0.5, 0.5), at(0.1, 0.2))  # drawn up-left: still stored top-left first
    assert editor.rect_value("croparea") == [[0.1, 0.2], [0.5, 0.5]]
    drag(qtbot, editor, at(0.3, 0.3), at(0.4, 0.4))  # inside: move
    assert editor.rect_value("croparea") == [[0.2, 0.3], [0.6, 0.6]]
    drag(qtbot, editor, at(0.6, 0.6), at(0.9, 0.8))  # bottom-right handle: resize
    assert editor.rect_value("croparea") == [[0.2, 0.3], [0.9, 0.8]]
    drag(qtbot, editor, at(0.5, 0.5), at(0.95, 0.5))  # moving stops at the frame's edge
    value = editor.rect_value("croparea")
    assert value == [[0.3, 0.3], [1.0, 0.8]]
    assert validate_area(value) == value


def test_clicks_and_double_click_draw_a_closed_polygon(editor: AreaEditor, qtbot: QtBot) -> None:
    editor.set_mode("maskspace")
    for x, y in ((0.25, 0.25), (0.75, 0.25), (0.75, 0.75)):
        qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(x, y))
    assert editor.pending_points() == 3
    assert editor.polygons_value() is None
    # A real double-click is a press (which adds the point) followed by a double-click event.
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(0.25, 0.75))
    qtbot.mouseDClick(editor, Qt.MouseButton.LeftButton, pos=at(0.25, 0.75))
    assert editor.pending_points() == 0
    expected = [[[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75], [0.25, 0.25]]]
    assert editor.polygons_value() == expected
    assert validate_polygons(expected) == expected
    assert json.dumps(editor.values()) == json.dumps({"maskspace": expected})


def test_enter_or_the_first_point_closes_and_escape_drops(editor: AreaEditor, qtbot: QtBot) -> None:
    editor.set_mode("maskspace")
    for x, y in ((0.1, 0.1), (0.3, 0.1)):
        qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(x, y))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.pending_points() == 2  # two points are not a polygon: nothing closes
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(0.2, 0.3))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.polygons_value() == [[[0.1, 0.1], [0.3, 0.1], [0.2, 0.3], [0.1, 0.1]]]
    for x, y in ((0.6, 0.6), (0.9, 0.6), (0.9, 0.9)):
        qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(x, y))
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(0.6, 0.6) + QPoint(2, 1))  # the first point
    value = editor.polygons_value()
    assert value is not None
    assert len(value) == 2
    assert value[1] == [[0.6, 0.6], [0.9, 0.6], [0.9, 0.9], [0.6, 0.6]]
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(0.5, 0.9))
    assert editor.pending_points() == 1
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.pending_points() == 0
    assert len(editor.polygons_value() or []) == 2


def test_points_drag_and_delete_removes_the_selected_polygon(editor: AreaEditor, qtbot: QtBot) -> None:
    editor.set_mode("maskspace")
    editor.set_polygons(
        [
            [[0.1, 0.1], [0.3, 0.1], [0.2, 0.3], [0.1, 0.1]],
            [[0.6, 0.6], [0.9, 0.6], [0.9, 0.9], [0.6, 0.6]],
        ]
    )
    drag(qtbot, editor, at(0.3, 0.1), at(0.4, 0.2))
    value = editor.polygons_value()
    assert value is not None
    assert value[0] == [[0.1, 0.1], [0.4, 0.2], [0.2, 0.3], [0.1, 0.1]]
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at(0.85, 0.7))  # inside the second: select
    with qtbot.waitSignal(editor.changed):
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
    assert editor.polygons_value() == [[[0.1, 0.1], [0.4, 0.2], [0.2, 0.3], [0.1, 0.1]]]
    assert editor.pending_points() == 0


def test_delete_in_rectangle_mode_clears_the_crop(editor: AreaEditor, qtbot: QtBot) -> None:
    editor.set_rect("croparea", [[0.2, 0.2], [0.4, 0.4]])
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    assert editor.rect_value("croparea") is None


def test_without_a_frame_a_placeholder_keeps_16_9(qtbot: QtBot) -> None:
    widget = AreaEditor(image=b"not a jpeg")
    qtbot.addWidget(widget)
    widget.resize(656, 500)
    assert not widget.has_image()
    rect = widget.canvas_rect()
    assert rect.width() / rect.height() == pytest.approx(16 / 9)
