"""The window shows before the Workstation is open: its skeleton first, the store, engine and servers
attached afterwards (the app opens the Workstation on a worker thread, after the first paint)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from vms_desk import app as app_module
from vms_desk.app import App, window_settings
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.ui.shell.main_window import OPENING_TEXT, MainWindow
from vms_desk.ui.shell.menus import WORKSTATION_ACTIONS
from vms_desk.workstation.servers import SavedServer, ServersStore


def _enabled(window: MainWindow) -> dict[str, bool]:
    return {name: window.menu_actions[name].isEnabled() for name in WORKSTATION_ACTIONS}


@pytest.fixture
def skeleton(home: Path, qtbot: Any) -> MainWindow:
    window = MainWindow(settings=window_settings(home), out_dir=home / "evidence")
    qtbot.addWidget(window)
    return window


@pytest.mark.asyncio
async def test_the_skeleton_waits_for_the_workstation_then_attach_enables_its_actions(
    skeleton: MainWindow, workstation: Any
) -> None:
    window = skeleton
    assert window.workstation is None
    assert not any(_enabled(window).values())
    assert not window.sources.add_button.isEnabled()
    assert window.status_text.text() == OPENING_TEXT
    assert window.menu_actions["quitAction"].isEnabled()  # what needs no store works at once

    attached: list[bool] = []
    window.attached.connect(lambda: attached.append(True))
    window.attach(workstation)
    assert attached == [True]
    assert window.workstation is workstation
    assert _enabled(window) == {
        "addServerAction": True,
        "openEvidenceAction": True,
        "exportAction": False,  # no cameras selected yet
        "supervisorAction": True,
    }
    assert window.sources.add_button.isEnabled()
    assert window.status_text.text() == ""
    with pytest.raises(RuntimeError):
        window.attach(workstation)
    window.start(restore=False)
    await window.shutdown()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
@pytest.mark.asyncio
async def test_a_skeleton_that_never_got_its_workstation_closes_and_shuts_down(
    skeleton: MainWindow, home: Path
) -> None:
    skeleton.show()
    skeleton.close()  # saves its layout like any close
    await skeleton.shutdown()
    assert window_settings(home).value("window/geometry") is not None


class Gate:
    """Stands in for open_workstation: the real opening, held on the worker thread until released."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.release = threading.Event()
        self.entered = threading.Event()
        self.opened: list[Any] = []

    def __call__(self, home: Path, **kwargs: Any) -> Any:
        self.entered.set()
        assert self.release.wait(30)
        opened = self.real(home, **kwargs)
        self.opened.append(opened)
        return opened


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch, qapp: QApplication) -> Iterator[Gate]:
    held = Gate(app_module.open_workstation)
    monkeypatch.setattr(app_module, "open_workstation", held)
    # As in run_gui: closing the window must not quit the loop, the app ends the session itself.
    quits = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    yield held
    held.release.set()
    qapp.setQuitOnLastWindowClosed(quits)


async def _main_window(run: asyncio.Future[int]) -> MainWindow:
    for _ in range(400):
        window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)
        if window is not None and window.isVisible():
            return window
        assert not run.done(), run.result()
        await asyncio.sleep(0.025)
    raise AssertionError("the main window did not show")


async def _until(condition: Any) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("never happened")


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
@pytest.mark.asyncio
async def test_the_app_shows_the_window_before_the_store_is_open_and_attaches_it_after(
    home: Path, memory_keyring: Any, gate: Gate
) -> None:
    servers = ServersStore(home)
    servers.load()
    servers.put(
        SavedServer(ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:9", user="u", name="Saved"))
    )
    run = asyncio.ensure_future(App(demo=False, screenshot=None).run())
    window = await _main_window(run)
    try:
        assert await asyncio.to_thread(gate.entered.wait, 30)  # opening, after the window showed
        assert window.workstation is None
        assert not any(_enabled(window).values())
        assert window.status_text.text() == OPENING_TEXT
        assert window.source_model.server_ids() == []

        gate.release.set()
        await _until(lambda: window.workstation is not None)
        assert window.workstation is gate.opened[0]
        assert _enabled(window)["addServerAction"]
        assert [window.source_model.server(s).config.name for s in window.source_model.server_ids()] == [
            "Saved"
        ]
    finally:
        window.close()
        assert await asyncio.wait_for(run, 30) == 0
        window.deleteLater()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
@pytest.mark.asyncio
async def test_closing_the_window_while_the_store_opens_waits_for_it_and_closes_it(
    home: Path, memory_keyring: Any, gate: Gate
) -> None:
    run = asyncio.ensure_future(App(demo=False, screenshot=None).run())
    window = await _main_window(run)
    assert await asyncio.to_thread(gate.entered.wait, 30)
    window.close()
    await asyncio.sleep(0.1)
    assert not run.done()  # the opening is still on its thread: the app waits for it
    gate.release.set()
    assert await asyncio.wait_for(run, 30) == 0
    (opened,) = gate.opened
    assert window.workstation is None  # never attached: nothing was started
    assert opened.http.is_closed  # and the Workstation was closed again
    assert (home / "gui.ini").is_file()  # the layout was saved as at any close
    window.deleteLater()
