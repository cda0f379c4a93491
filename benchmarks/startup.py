"""Print how long `vms-desk gui` takes from spawn to the first paint of its main window.

Run from the repository root under a display (``xvfb-run -a python benchmarks/startup.py``). Each figure
is a fresh process on a fresh VMS_DESK_HOME: the window without `--demo`, the window with `--demo`,
the moment every demo server is online with its cameras listed, and a bare QMainWindow for the ratio
(what PySide6 itself needs). The child runs the real `vms-desk gui` (vms_desk.cli.main); an event
filter installed on the QApplication before it starts notes the first paint. Target: the window under
1.0 s on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The child: notes the first Paint of a QMainWindow (and, with --demo, when every demo server is online
# with cameras), prints one JSON line with seconds since the parent spawned it, and quits.
CHILD = r"""
import json, os, sys, time
spawned = float(os.environ["BENCH_SPAWNED"])
mode = sys.argv[1]
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication([sys.argv[0]])
marks = {}

def done():
    print(json.dumps(marks), flush=True)
    os._exit(0)

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "window" not in marks:
            top = obj.window() if hasattr(obj, "window") else None
            if isinstance(top, QMainWindow):
                marks["window"] = time.time() - spawned
                if mode != "demo":
                    QTimer.singleShot(0, done)
        return False

paint = FirstPaint()
app.installEventFilter(paint)
if mode == "bare":
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    app.exec()
else:
    from vms_desk.cli import main
    if mode == "demo":
        def cameras_listed():
            from vms_desk.ui.sources.source_model import ServerStatus
            window = next((w for w in app.topLevelWidgets() if isinstance(w, QMainWindow)), None)
            model = getattr(window, "source_model", None)
            servers = [model.server(i) for i in model.server_ids()] if model is not None else []
            if servers and all(s.status is ServerStatus.ONLINE and s.cameras for s in servers):
                marks["cameras"] = time.time() - spawned
                marks["servers"] = len(servers)
                done()
        poll = QTimer()
        poll.setInterval(20)
        poll.timeout.connect(cameras_listed)
        poll.start()
    main(["gui", "--demo"] if mode == "demo" else ["gui"])  # the real command's way in
"""


# Installed vms_desk starts from compiled bytecode (pip compiles at install, the frozen app ships .pyc).
# A shell with PYTHONDONTWRITEBYTECODE set (CI, this machine) would make every child compile every
# module again, about 0.6 s of a start that no user sees: the children keep their bytecode in a cache
# of this benchmark's own, filled by one uncounted warm-up run.
PYCACHE = Path(tempfile.gettempdir()) / "vms-desk-startup-pycache"


def spawn(mode: str, timeout: float) -> dict[str, float]:
    """One fresh process on a fresh VMS_DESK_HOME; the marks it printed."""
    with tempfile.TemporaryDirectory(prefix="vms-desk-startup-") as home:
        env = {**os.environ, "VMS_DESK_HOME": home, "BENCH_SPAWNED": repr(time.time())}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["BENCH_SPAWNED"] = repr(time.time())
        out = subprocess.run(
            [sys.executable, "-c", CHILD, mode],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"{mode}: no figures (exit {out.returncode})\n{out.stderr[-2000:]}")
    marks: dict[str, float] = json.loads(lines[-1])
    return marks


def main() -> None:
    """Spawn each kind `--runs` times and print every figure, then the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="processes of each kind")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one process may take")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise SystemExit("startup.py needs a display: run it under xvfb-run")
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "gui": [], "demo": []}
    for mode in runs:
        spawn(mode, args.timeout)  # warm-up: fills the bytecode cache, not counted
    for n in range(args.runs):
        for mode, marks_of_mode in runs.items():
            marks = spawn(mode, args.timeout)
            marks_of_mode.append(marks)
            shown = ", ".join(f"{k} {v:.3f}" for k, v in marks.items())
            print(f"run {n + 1} {mode:>4}: {shown}", flush=True)

    def med(mode: str, key: str) -> float:
        return statistics.median(m[key] for m in runs[mode])

    windows = [m["window"] for m in runs["gui"]] + [m["window"] for m in runs["demo"]]
    slow = sum(w > 1.0 for w in windows)
    print(f"window over 1.0 s in {slow} of {len(windows)} runs; worst {max(windows):.3f} s")
    print(
        f"startup: window {med('gui', 'window'):.2f} s, demo window {med('demo', 'window'):.2f} s, "
        f"cameras {med('demo', 'cameras'):.2f} s, "
        f"{med('gui', 'window') / med('bare', 'window'):.1f} x a bare Qt window"
    )


if __name__ == "__main__":
    main()
