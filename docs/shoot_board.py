"""Screenshots of the cross-vendor export dialog and the supervisor board, against the simulators.

Run under Xvfb from the repository: `xvfb-run -a .venv/bin/python docs/shoot_board.py`. Three
simulators (Axis with its clock set 90 s fast, Axxon One, exacqVision); cameras of all three in one
export for case 2026-0412 by "alice", then Axis and Axxon One again by "bob" while exacqVision does
not answer; then View › Supervisor board. Writes docs/screenshots/cross-vendor-export.png and
docs/screenshots/supervisor.png.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from vms_desk.app import compose
from vms_desk.core.models import TimeSpan, Vendor
from vms_desk.sim.base import SimState
from vms_desk.sim.registry import RunningSim, start_sim
from vms_desk.ui.export.multi import MultiExportDialog
from vms_desk.ui.shell.main_window import MainWindow

OUT = Path(__file__).parent / "screenshots"


async def _export(
    window: MainWindow, ids: list[str], span: TimeSpan, operator: str, shot: Path | None
) -> None:
    for number, server_id in enumerate(ids):
        camera = window.source_model.server(server_id).cameras[number % 2]
        window.sources.select_camera(server_id, camera.id, add=number > 0)
    window.centre.set_span(span)
    dialog = await window.export_flow.open_dialog()
    assert isinstance(dialog, MultiExportDialog)
    await window.tasks.wait()
    dialog.caseEdit.setText("2026-0412")
    dialog.operatorEdit.setText(operator)
    if shot is not None:
        await asyncio.sleep(0.3)
        _save(dialog, shot)
    dialog.accept()
    await window.tasks.wait()


async def _idle(window: MainWindow) -> None:
    store = window.workstation.store
    for _ in range(900):
        if all(j.state.finished for j in store.jobs()):
            return
        await asyncio.sleep(0.1)


def _save(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise SystemExit(f"could not write {path}")
    print(f"saved {path}")


async def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="vms_desk-shots-"))
    sims: list[RunningSim] = [
        start_sim(v, state=SimState(export_seconds=1.0, workdir=work / v.value))
        for v in (Vendor.AXIS, Vendor.AXXON_ONE, Vendor.EXACQ)
    ]
    sims[0].state.faults.update(clock_offset_s=90.0)
    parts = compose(home=work / "home", out_dir=work / "evidence")
    window = parts.window
    try:
        parts.start(restore=False)
        ids = [window.add_demo_server(s.vendor, s.url, "demo", "demo") for s in sims]
        window.show()
        await window.connections.wait_idle()
        end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
        await _export(window, ids, TimeSpan(start=end - timedelta(seconds=4), end=end), "alice", None)
        await _idle(window)
        # exacqVision stops answering: its row keeps the sentence, its job fails with it on the board.
        sims[2].state.faults.update(fail_next=10_000, fail_status=503)
        later = end + timedelta(minutes=2)
        shot = OUT / "cross-vendor-export.png"
        await _export(window, ids, TimeSpan(start=later - timedelta(seconds=4), end=later), "bob", shot)
        await _idle(window)
        board = window.show_supervisor()
        await board.settled()  # the rows are read on the board's reader thread
        board.resize(1500, 420)
        board.table.resizeColumnsToContents()
        await asyncio.sleep(0.5)
        _save(board, OUT / "supervisor.png")
    finally:
        await parts.aclose()
        for sim in sims:
            sim.stop()


if __name__ == "__main__":
    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main())
