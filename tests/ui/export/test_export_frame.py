"""The frame under the area editor: loading while the server makes it, then the frame, or why not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QColor

from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.ui.export.area_editor import AreaEditor, FrameState

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


async def _dialog_for(gui, sim):
    window = gui.window
    server_id = window.server_actions.add_server(
        ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo", name="Station"), "demo"
    )
    await window.connections.wait_idle()
    camera = window.source_model.server(server_id).cameras[0]
    assert window.sources.select_camera(server_id, camera.id)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    window.centre.set_span(TimeSpan(start=end - timedelta(seconds=10), end=end))
    dialog = await window.export_flow.open_dialog()
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("mp4"))
    return dialog


def _canvas_colour(editor: AreaEditor) -> QColor:
    centre = editor.canvas_rect().center().toPoint()
    return editor.grab().toImage().pixelColor(centre.x(), editor.canvas_rect().toRect().top() + 4)


@pytest.mark.asyncio
async def test_the_frame_loads_with_a_loading_state_then_shows(gui, sim_factory):
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=0.5)
    dialog = await _dialog_for(gui, sim)
    editor = dialog.area_editor()
    assert isinstance(editor, AreaEditor)
    # Issue 9 point 3: masks and crop areas apply to video too, so an MP4 asks for a frame to draw on.
    assert gui.window.export_flow.frame_task is not None
    assert editor.frame_state() is FrameState.LOADING
    assert editor.frame_message().startswith("Loading a frame from the server…")
    assert "No frame" not in editor.frame_message()
    assert _canvas_colour(editor) == QColor("#4b5563")  # a plain grey canvas meanwhile
    await gui.window.export_flow.frame_task
    assert editor.frame_state() is FrameState.SHOWN
    assert editor.has_image()
    assert editor.frame_message() == ""
    assert _canvas_colour(editor) != QColor("#4b5563")
    dialog.reject()


@pytest.mark.asyncio
async def test_a_frame_the_server_cannot_make_is_explained(gui, sim_factory):
    sim = sim_factory(Vendor.AXXON_ONE)
    dialog = await _dialog_for(gui, sim)
    sim.state.faults.export_fails = 1  # the one-frame export fails on the server
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("jpg"))
    editor = dialog.area_editor()
    assert editor.frame_state() is FrameState.LOADING
    await gui.window.export_flow.frame_task
    assert editor.frame_state() is FrameState.UNAVAILABLE
    message = editor.frame_message()
    assert message.startswith("The server could not give a frame to draw on.\n")
    assert "Axxon One" in message
    assert "Draw over the blank frame" in message
    assert _canvas_colour(editor) == QColor("#4b5563")
    # The canvas stays drawable: a crop drawn now is exported all the same.
    editor.set_rect("croparea", [[0.1, 0.1], [0.5, 0.5]])
    assert dialog.export_choices().options["croparea"] == [[0.1, 0.1], [0.5, 0.5]]
    assert dialog.okButton.isEnabled(), dialog.errorLabel.text()
    dialog.reject()


def test_undecodable_data_says_so(qtbot):
    editor = AreaEditor()
    qtbot.addWidget(editor)
    assert editor.frame_state() is FrameState.BLANK
    assert not editor.set_image(b"not a jpeg")
    assert editor.frame_state() is FrameState.UNAVAILABLE
    assert "cannot decode" in editor.frame_message()
