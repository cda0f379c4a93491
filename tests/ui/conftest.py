"""Qt fixtures for tests/ui: a qasync loop for async tests, an in-memory keyring, the composed app."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import qasync
from PySide6.QtWidgets import QApplication


def pytest_asyncio_loop_factories(config: Any, item: Any) -> dict[str, Any]:
    """Async UI tests run on a qasync loop, i.e. on the Qt event loop like the app."""
    return {"qasync": lambda: qasync.QEventLoop(QApplication.instance() or QApplication([]))}


@pytest.fixture(autouse=True)
def _qapp_for_every_ui_test(qapp: QApplication) -> QApplication:
    """Every UI test gets the QApplication (icons and pixmaps need a QGuiApplication)."""
    return qapp


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """Collect each test's cyclic garbage here: left to chance, a simulator or executor thread may run
    the collector and destroy Qt objects off the GUI thread (Qt warns, or crashes)."""
    yield
    gc.collect()


@pytest_asyncio.fixture
async def workstation(home: Path, http: Any, memory_keyring: Any) -> AsyncIterator[Any]:
    """The Workstation on this test's VMS_DESK_HOME (the window's and the commands' composition root)."""
    from vms_desk.workstation.root import Workstation

    opened = Workstation.open(home, http=http)
    yield opened
    await opened.aclose()


@pytest_asyncio.fixture
async def gui(home: Path, http: Any, memory_keyring: Any, qtbot: Any) -> AsyncIterator[Any]:
    """The app's composition on this test's VMS_DESK_HOME, started (state restored) but not shown."""
    from vms_desk.app import compose

    parts = compose(home=home, http=http, out_dir=home / "evidence")
    parts.start(restore=True)
    yield parts
    await parts.aclose()
    parts.dispose()
