"""A window that cannot open its store (a team store that is down) says so in one box and ends, exit 1."""

from __future__ import annotations

import asyncio
import socket

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from vms_desk.app import App
from vms_desk.ui.shell.main_window import MainWindow


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # the box, offscreen
@pytest.mark.asyncio
async def test_an_unreachable_team_store_is_said_in_a_box_and_the_app_ends(
    home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    monkeypatch.setenv("VMS_DESK_STORE_URL", f"postgresql://ws@127.0.0.1:{port}/vmsdesk?connect_timeout=2")
    run = asyncio.ensure_future(App(demo=False, screenshot=None).run())
    box = None
    for _ in range(200):
        await asyncio.sleep(0.05)
        box = next((w for w in QApplication.topLevelWidgets() if w.objectName() == "startRefusal"), None)
        if box is not None and box.isVisible():
            break
    assert isinstance(box, QMessageBox)
    # The window showed first (the store is opened behind it); the box says why it cannot go on.
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert len(shown) == 1
    assert shown[0].workstation is None
    assert "vms_desk cannot start" in box.text()
    assert f"127.0.0.1:{port}/vmsdesk is unreachable (Connection refused)" in box.text()
    assert not run.done()  # it waits for the user to read it
    box.button(QMessageBox.StandardButton.Close).click()
    assert await asyncio.wait_for(run, 5) == 1
    assert "unreachable" in capsys.readouterr().err
    assert not shown[0].isVisible()
    shown[0].deleteLater()
