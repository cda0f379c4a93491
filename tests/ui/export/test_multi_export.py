"""One export across three vendors from one dialog, against simulators over real sockets: each row
its own format and clock; a server that cannot answer keeps its sentence and the others export."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.options import FormatSpec
from vms_desk.present.export_rows import default_format
from vms_desk.ui.export.multi import MultiExportDialog

# Offscreen has no native window sizing; the dialog is opened for real.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_court_playable_defaults() -> None:
    def names(*items: str) -> list[FormatSpec]:
        return [FormatSpec(name=n, frame=n in {"jpg", "pdf"}) for n in items]

    assert default_format(names("jpg", "mkv", "mp4")) == "mp4"
    assert default_format(names("mkv")) == "mkv"
    assert default_format(names("native")) == "native"
    assert default_format(names("jpg", "exe-player", "avi")) == "exe-player"
    assert default_format([]) == ""


async def _server(window: Any, sim: Any, vendor: Vendor, name: str) -> str:
    server_id = window.server_actions.add_server(
        ServerConfig(vendor=vendor, url=sim.url, user="demo", name=name), "demo"
    )
    await window.connections.wait_idle()
    return str(server_id)


@pytest.mark.asyncio
async def test_three_vendors_in_one_dialog(gui: Any, sim_factory: Any) -> None:
    window = gui.window
    axis, axxon, exacq = (sim_factory(v) for v in (Vendor.AXIS, Vendor.AXXON_ONE, Vendor.EXACQ))
    axis.state.faults.update(clock_offset_s=90.0)
    ids = [
        await _server(window, axis, Vendor.AXIS, "Axis door"),
        await _server(window, axxon, Vendor.AXXON_ONE, "Axxon shop"),
        await _server(window, exacq, Vendor.EXACQ, "exacq yard"),
    ]
    for number, server_id in enumerate(ids):
        camera = window.source_model.server(server_id).cameras[0]
        assert window.sources.select_camera(server_id, camera.id, add=number > 0)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    window.centre.set_span(TimeSpan(start=end - timedelta(seconds=2), end=end))
    exacq.state.faults.update(fail_next=1000, fail_status=503)  # exacq stops answering

    dialog = await window.export_flow.open_dialog()
    assert isinstance(dialog, MultiExportDialog)
    await window.tasks.wait()  # the clock checks
    assert [r.label for r in dialog.rows] == ["Axis door", "Axxon shop", "exacq yard"]
    assert [dialog.chosen_format(i) for i in range(3)] == ["mkv", "mp4", ""]
    assert re.fullmatch(r"⚠ (89|90)\.\d s fast", dialog.clock_labels[0].text())
    assert "fast against this workstation" in dialog.clock_labels[0].toolTip()
    assert dialog.clock_labels[1].text() == "in step"
    assert dialog.clock_labels[2].text() == dialog.rows[2].error != ""

    dialog.caseEdit.setText("X-3")
    dialog.operatorEdit.setText("alice")
    dialog.accept()
    await window.tasks.wait()
    store = gui.workstation.store
    for _ in range(600):
        jobs = store.jobs()
        if len(jobs) == 2 and all(j.state.finished for j in jobs):
            break
        await asyncio.sleep(0.1)
    assert sorted((j.server.vendor.value, j.state, j.case) for j in jobs) == [
        ("axis", JobState.DONE, "X-3"),
        ("axxon-one", JobState.DONE, "X-3"),
    ]
    assert window.export_flow.skipped == [f"exacq yard: {dialog.rows[2].error}"]
    axis_job = next(j for j in jobs if j.server.vendor is Vendor.AXIS)
    manifest = json.loads(axis_job.manifest.read_text(encoding="utf-8"))
    assert abs(manifest["clock"]["server_offset_s"] - 90) <= manifest["clock"]["resolution_s"] + 0.1
    assert gui.workstation.cases.get("X-3").created_by
