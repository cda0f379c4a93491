"""The timeline marks what the chosen case already holds of each selected camera: a real export through
the window's engine from a simulator, then its span marked on that camera's row only, and painted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QColor, QImage

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.ui.timeline.paint import COLORS


async def _emitted(signal: SignalInstance, action: Any) -> None:
    """Run `action` and await the signal's next emission (no nested Qt loop: see SETUP-NOTES)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    signal.connect(lambda *_: future.done() or future.set_result(None))
    action()
    await asyncio.wait_for(future, 10)


@pytest.mark.asyncio
async def test_the_chosen_cases_exports_are_marked_on_their_cameras(gui: Any, sim_factory: Any) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    window, workstation = gui.window, gui.workstation
    server_id = window.server_actions.add_server(
        ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo"), "demo", persistent=False
    )
    await window.connections.wait_idle()
    first, second = window.source_model.server(server_id).cameras[:2]
    workstation.cases.new("M-1", by="tester")
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    config = window.connections.config(server_id)
    record = await workstation.engine.submit(
        config,
        ExportRequest(
            camera_id=first.id, span=TimeSpan(start=end - timedelta(seconds=20), end=end), format="mkv"
        ),
        camera_name=first.name,
        out_dir=workstation.home / "evidence",
        case="M-1",
        operator="tester",
    )
    for _ in range(400):
        if workstation.store.get(record.id).state.finished:
            break
        await asyncio.sleep(0.05)
    done = workstation.store.get(record.id)
    assert done.state is JobState.DONE, done.error

    assert window.sources.select_camera(server_id, first.id)
    assert window.sources.select_camera(server_id, second.id, add=True)
    assert [r.camera.id for r in window.recordings.cameras] == [first.id, second.id]
    timeline = window.centre.timeline
    timeline.set_view(end - timedelta(minutes=1), end + timedelta(seconds=40))
    await _emitted(window.case_marks.marked, lambda: window.case_marks.choose("M-1"))
    exported = done.actual or done.request.span
    assert timeline.marks() == (((exported.start.timestamp(), exported.end.timestamp()),), ())

    # Painted: the amber bar on the first camera's row over the exported span, none on the second.
    timeline.resize(1200, timeline.sizeHint().height())  # the window is not shown in this test
    timeline.set_view(end - timedelta(minutes=1), end + timedelta(seconds=40))
    image = QImage(timeline.size(), QImage.Format.Format_ARGB32)
    timeline.render(image)
    x = int(timeline.x_at((exported.start.timestamp() + exported.end.timestamp()) / 2))
    lay = timeline._layout()
    assert QColor(image.pixel(x, int(lay.row_rect(0).top()) + 1)) == COLORS["exported"]
    assert QColor(image.pixel(x, int(lay.row_rect(1).top()) + 1)) != COLORS["exported"]

    # No case chosen: no marks.
    await _emitted(window.case_marks.marked, lambda: window.case_marks.choose(""))
    assert timeline.marks() == ((), ())
