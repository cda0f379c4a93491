"""Closing the window while its engine process runs an export asks what to do with it.

The real window over the real engine process and a simulator: Cancel keeps the window open; Keep
running closes it and leaves the engine process running the export to its end (the served bytes, the
right hash); Stop exports closes it and the export is interrupted, resumable, as closing always did.
"Do this every time" writes the choice to settings.json, and a remembered choice is not asked again.
The next window takes back an export still running, resumes it, and says so.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox, QPushButton

from vms_desk.app import Composition, compose
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.workstation import background

CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
EXPORT_BYTES = 2 * 1024 * 1024
TIMEOUT = 30.0
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")  # the window is shown, offscreen


async def _window_with_a_running_export(
    home: Path, sim_factory: Any, out: Path
) -> tuple[Composition, JobRecord, Any]:
    """The window over its engine process, downloading one (throttled) export of a new simulator."""
    sim = sim_factory(Vendor.AXXON_ONE, export_bytes=EXPORT_BYTES, user="demo", password="demo")
    sim.state.faults.update(throttle_bps=256 * 1024)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # as the app: it quits once the engine is seen to
    parts = compose(home=home, out_dir=out, engine_process=True)
    parts.start(restore=False)
    parts.window.show()
    server = ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo")
    parts.workstation.passwords.remember(server, "demo")
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    record = await parts.workstation.control.submit(
        server,
        ExportRequest(
            camera_id=CAMERA, span=TimeSpan(start=end - timedelta(seconds=30), end=end), format="mp4"
        ),
        camera_name=None,
        out_dir=out,
        case=None,
        operator="ann",
    )
    deadline = time.monotonic() + TIMEOUT
    while not any(
        r.id == record.id and r.state is JobState.DOWNLOADING for r in parts.window.job_model.records()
    ):
        assert time.monotonic() < deadline, "the export never showed as downloading in the job list"
        await asyncio.sleep(0.05)
    return parts, record, sim


def _press(box: QMessageBox, name: str | None) -> None:
    button = (
        box.button(QMessageBox.StandardButton.Cancel) if name is None else box.findChild(QPushButton, name)
    )
    assert button is not None
    button.click()


@pytest.mark.asyncio(loop_scope="function")
async def test_keep_running_leaves_the_export_running_after_the_window_closed(
    home: Path, sim_factory: Any, memory_keyring: Any, tmp_path: Path
) -> None:
    parts, record, sim = await _window_with_a_running_export(home, sim_factory, tmp_path / "ev")
    window = parts.window
    try:
        window.close()
        box = window.close_box
        assert box is not None
        assert window.isVisible()
        assert box.text() == "1 export is still running. Keep it running after vms_desk closes?"
        if os.environ.get("VMS_DESK_SHOTS"):
            box.grab().save(os.path.join(os.environ["VMS_DESK_SHOTS"], "keep-running.png"))
        _press(box, None)
        assert window.isVisible()
        assert window.close_box is None
        window.close()
        assert window.close_box is not None
        _press(window.close_box, "keepRunningButton")
        assert not window.isVisible()
        assert window.keep_exports
    finally:
        await parts.aclose()
        parts.dispose()
    await _ends_without_the_window(home, sim, record)


async def _ends_without_the_window(home: Path, sim: Any, record: JobRecord) -> None:
    """The closed window's engine process still has the export, and runs it to its end alone."""
    store = JobStore(home / "jobs.sqlite3")
    assert store.get(record.id).state is JobState.DOWNLOADING  # the engine process has it still
    (engine,) = background.detached_engines(home)
    sim.state.faults.update(throttle_bps=0)
    deadline = time.monotonic() + TIMEOUT
    while not store.get(record.id).state.finished or engine.alive():
        assert time.monotonic() < deadline, store.get(record.id).state
        await asyncio.sleep(0.05)
    done = store.get(record.id)
    assert done.state is JobState.DONE, done.error
    assert done.files[0].size == EXPORT_BYTES


@pytest.mark.asyncio(loop_scope="function")
async def test_stop_exports_interrupts_them_as_closing_always_did(
    home: Path, sim_factory: Any, memory_keyring: Any, tmp_path: Path
) -> None:
    parts, record, _ = await _window_with_a_running_export(home, sim_factory, tmp_path / "ev")
    try:
        parts.window.close()
        box = parts.window.close_box
        assert box is not None
        every_time = box.findChild(QCheckBox, "rememberCloseChoice")
        assert every_time is not None
        every_time.setChecked(True)
        _press(box, "stopExportsButton")
        assert not parts.window.isVisible()
        assert not parts.window.keep_exports
    finally:
        await parts.aclose()
        parts.dispose()
    assert JobStore(home / "jobs.sqlite3").get(record.id).state is JobState.INTERRUPTED
    assert background.detached_engines(home) == []
    assert json.loads((home / "settings.json").read_text(encoding="utf-8")) == {"exports_on_close": "stop"}


@pytest.mark.asyncio(loop_scope="function")
async def test_a_remembered_keep_closes_without_asking_and_the_next_window_takes_the_export_back(
    home: Path, sim_factory: Any, memory_keyring: Any, tmp_path: Path
) -> None:
    (home / "settings.json").write_text(json.dumps({"exports_on_close": "keep"}), encoding="utf-8")
    first, record, sim = await _window_with_a_running_export(home, sim_factory, tmp_path / "ev")
    first.window.close()
    assert first.window.close_box is None
    assert not first.window.isVisible()
    assert first.window.keep_exports
    await first.aclose()
    first.dispose()
    assert background.detached_engines(home)
    parts = compose(home=home, out_dir=tmp_path / "ev", engine_process=True)
    parts.workstation.passwords.remember(
        ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo"), "demo"
    )
    parts.start(restore=False)
    try:
        assert parts.resuming is not None
        resumed = await asyncio.wait_for(parts.resuming, TIMEOUT)
        assert [r.id for r in resumed] == [record.id]  # type: ignore[attr-defined]
        assert parts.window.status_text.text() == (
            "Took back the exports kept running when vms_desk closed: 1 export resumed here."
        )
        assert background.detached_engines(home) == []
        sim.state.faults.update(throttle_bps=0)
        deadline = time.monotonic() + TIMEOUT
        while not any(r.id == record.id and r.state.finished for r in parts.window.job_model.records()):
            assert time.monotonic() < deadline, "the export taken back never ended in the new window"
            await asyncio.sleep(0.05)
        (done,) = [r for r in parts.window.job_model.records() if r.id == record.id]
        assert done.state is JobState.DONE, done.error
    finally:
        await parts.aclose()
        parts.dispose()
