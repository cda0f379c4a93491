"""The Cases panel makes the selected case's custody report and bundle through the Workstation: a real
export from a simulator, the case record's title in the report, both audited, the bundle verifies."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.evidence.verify import verify
from vms_desk.ui.supervisor.board import SupervisorBoard
from vms_desk.ui.supervisor.cases import CasesPanel
from vms_desk.workstation.tasks import TaskSet

CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"


@pytest.mark.asyncio
@pytest.mark.qt_log_ignore("This plugin does not support")  # the file dialog, offscreen
async def test_report_and_bundle_of_the_selected_case(
    qtbot: Any, workstation: Any, sim_factory: Any, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    server = ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo")
    workstation.passwords.remember(server, "demo")
    workstation.cases.new("C-2026-7", title="Till snatch at the cash desk", by="supervisor")
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    span = TimeSpan(start=end - timedelta(seconds=2), end=end)
    record = await workstation.engine.submit(
        server,
        ExportRequest(camera_id=CAMERA, span=span, format="mp4"),
        camera_name=None,
        out_dir=tmp_path / "evidence",
        case="C-2026-7",
        operator="alice",
    )
    await workstation.engine.run_until_idle()
    assert workstation.store.get(record.id).state is JobState.DONE

    panel = CasesPanel(workstation)
    qtbot.addWidget(panel)
    panel.refresh()
    panel.view.selectRow(0)
    assert panel.selected().number == "C-2026-7"
    dialog = panel.custody.ask_report("C-2026-7")  # opened with open(): no nested event loop
    assert dialog.objectName() == "reportFileDialog"
    assert dialog.isVisible()
    dialog.reject()

    pdf = tmp_path / "report.pdf"
    said = await panel.custody.make_report("C-2026-7", pdf)
    assert "fresh verification passed" in said
    assert panel.message.text() == said
    text = await asyncio.to_thread(
        subprocess.run, ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    assert "Till snatch at the cash desk" in text.stdout  # the case record's header, not just its number

    bundle = tmp_path / "bundle"
    said = await panel.custody.make_bundle("C-2026-7", bundle)
    assert said.startswith("Bundle of case C-2026-7")
    assert (bundle / "index.html").is_file()
    assert (await asyncio.to_thread(verify, bundle)).ok
    actions = [e["action"] for e in workstation.audit.entries()]
    assert "report" in actions
    assert "bundle" in actions

    # The board plays the selected export and asks where to save its case's report.
    board = SupervisorBoard(workstation, TaskSet(lambda error: None))
    qtbot.addWidget(board)
    board.refresh()
    await board.settled()
    board.table.selectRow(0)
    with qtbot.waitSignal(board.playRequested) as played:
        path = board.play()
    assert played.args == [path]
    assert path.is_file()
    assert path.suffix == ".mp4"
    asked = board.case_report()
    assert asked is not None
    assert asked.objectName() == "reportFileDialog"
    asked.reject()

    # A case with no export is one sentence in the panel, and nothing is written.
    workstation.cases.new("EMPTY-1", by="supervisor")
    said = await panel.custody.make_report("EMPTY-1", tmp_path / "empty.pdf")
    assert "EMPTY-1" in said
    assert not (tmp_path / "empty.pdf").exists()
