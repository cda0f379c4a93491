"""Print how long each keystroke in the source panel's filter box takes, up to the repainted tree.

Run from the repository root under a display (``xvfb-run -a python benchmarks/source_filter.py``); without
one it falls back to offscreen Qt. 10,000 cameras on 10 servers by default (``--cameras 100000`` for the
large case). Each keystroke is a real key event into the real filter box (`sourceFilter`), followed by
the event processing it causes and a synchronous repaint of the tree, so the figure is what the user
waits for. Target: median under 30 ms, no keystroke over 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

PLACES = (
    "Entrance",
    "Parking Lot",
    "Lobby",
    "Corridor",
    "Stairwell",
    "Loading Dock",
    "Cash Desk",
    "Elevator",
    "Roof",
    "Gate",
    "Warehouse",
    "Reception",
)
TYPED = "entrance 1"  # then erased again, one backspace at a time: 20 keystrokes


def main() -> None:
    """Fill a SourceModel, show the SourcePanel, then time each keystroke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10_000, help="cameras in all")
    parser.add_argument("--servers", type=int, default=10, help="servers the cameras are spread over")
    parser.add_argument("--typed", default=TYPED, help="what is typed, then erased (default: %(default)r)")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from vms_desk.core.models import Camera, ServerConfig, Vendor
    from vms_desk.ui.sources.source_model import ServerStatus, SourceModel
    from vms_desk.ui.sources.source_tree import SourcePanel

    app = QApplication.instance() or QApplication([])
    model = SourceModel()
    panel = SourcePanel(model)
    panel.resize(320, 900)
    panel.show()
    per_server = args.cameras // args.servers
    began = time.perf_counter()
    for s in range(args.servers):
        server_id = f"site-{s + 1:02d}"
        model.add_server(
            server_id,
            ServerConfig(vendor=Vendor.AXXON_ONE, url=f"http://10.0.0.{s + 1}", name=f"Site {s + 1:02d}"),
        )
        model.set_status(server_id, ServerStatus.ONLINE)
        cameras = [
            Camera(id=f"{s}/{c}", name=f"{PLACES[c % len(PLACES)]} {c // len(PLACES) + 1}")
            for c in range(per_server)
        ]
        model.set_cameras(server_id, cameras)
    app.processEvents()
    panel.tree.viewport().repaint()
    print(
        f"{args.servers} servers x {per_server:,} cameras listed and shown "
        f"in {time.perf_counter() - began:.3f} s"
    )

    keys: list[tuple[str, Qt.Key | str]] = [(ch, ch) for ch in args.typed]
    keys += [("⌫", Qt.Key.Key_Backspace)] * len(args.typed)
    panel.filter.setFocus()
    times: list[float] = []
    for label, key in keys:
        began = time.perf_counter()
        if isinstance(key, str):
            QTest.keyClicks(panel.filter, key)
        else:
            QTest.keyClick(panel.filter, key)
        app.processEvents()
        panel.tree.viewport().repaint()
        elapsed = (time.perf_counter() - began) * 1000
        times.append(elapsed)
        shown = sum(panel.proxy.rowCount(i) for i in panel.proxy.shown_servers())
        print(f"  {label!r:>5} -> {panel.filter.text()!r:<14} {elapsed:7.1f} ms, {shown:,} cameras shown")
    assert panel.filter.text() == ""
    print(
        f"filter: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
        f"over {len(times)} keystrokes, {per_server * args.servers} cameras"
    )


if __name__ == "__main__":
    main()
