"""Print how long the GUI's event loop stalls while 8 large exports download through the real window.

Run from the repository root under a display: ``xvfb-run -a python benchmarks/ui_stall.py``.
Eight Axxon One simulators run in processes of their own (as real servers would), each export padded
to `--size-mib` (SimState.export_bytes). The window is the app's own composition (`compose`), shown,
with the eight servers added as the demo mode adds them; one export per server is queued through the
engine the window uses. A 5 ms QTimer measures the loop: the figures are the intervals between its
ticks while the downloads run (a paint or an input event waits at most that long). Then the same eight
exports run as eight `vms-desk export` processes for the CLI's throughput.

The window's engine runs as the app runs it: in a process of its own (settings' `engine_process`);
`--in-window` runs it in the window's process instead, for comparison. `--overall N` sets the engine's
overall limit for the run (in settings.json); otherwise it follows `overall` and `per_server` there, as
the command line's does.
The simulators stand in for servers elsewhere on the network, which take none of the workstation's
CPU. Here they share its two cores, so they run at the lowest priority (`--sim-nice 19`, and on Linux
the SCHED_IDLE policy the window's engine process runs under): they still
serve at full speed whenever the app leaves a core idle, but a GUI thread waking for a paint is not
queued behind eight server processes no real site would run on the investigator's computer.
`--sim-nice 0` measures them as equals of the app.

The last line is exactly ``stall: p99 X ms, max Y ms while 8 downloads ran at Z MB/s (CLI W MB/s)``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIMS = 8

SIM_CHILD = r"""
import os, sys, tempfile
os.nice(int(sys.argv[3]))
if int(sys.argv[3]) > 0 and sys.platform.startswith("linux"):
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # lowest, as the engine process runs
from pathlib import Path
from vms_desk.core.models import Vendor
from vms_desk.sim.base import SimState
from vms_desk.sim.registry import start_sim
state = SimState(export_bytes=int(sys.argv[1]), export_seconds=float(sys.argv[2]),
                 workdir=Path(tempfile.mkdtemp(prefix="vms-desk-stall-sim-")))
sim = start_sim(Vendor.AXXON_ONE, port=0, state=state)
print(sim.url, flush=True)
sys.stdin.read()
sim.stop()
"""
CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"

# The machine's own floor: a process that does nothing but sleep 5 ms at a time, at normal priority,
# sees gaps too when the machine is busy (a virtual machine's host taking its CPUs, the kernel's own
# work for the disk and the network). Run beside each phase, it says how much of a stall is the app's.
LOOP_CHILD = r"""
import json, sys, threading, time
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
ticks = []
while not stop.is_set():
    time.sleep(0.005)
    ticks.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(ticks, ticks[1:])]), flush=True)
"""


class BareLoop:
    """A 5 ms sleep loop in a process of its own, started at once; `stop()` collects its intervals."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LOOP_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def stop(self) -> None:
        out, _ = self.proc.communicate(timeout=30)  # closing its stdin ends the loop
        self.gaps = json.loads(out) if out.strip() else []


def percentiles(gaps: list[float]) -> tuple[float, float]:
    """(p99, max) of intervals in s, as ms."""
    ms = sorted(g * 1000 for g in gaps) or [0.0]
    return ms[min(len(ms) - 1, int(len(ms) * 0.99))], ms[-1]


def start_sims(size: int, seconds: float, nice: int) -> tuple[list[subprocess.Popen[str]], list[str]]:
    """One simulator process per server, `nice` steps below normal priority; their URLs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SIM_CHILD, str(size), str(seconds), str(nice)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(SIMS)
    ]
    urls = [p.stdout.readline().strip() for p in procs if p.stdout is not None]
    return procs, urls


def span() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return end - timedelta(seconds=10), end


# /proc/stat's first line, in order: where the machine's CPU time went (Linux only).
CPU_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
CPU_SPLIT: dict[str, float] = {}
FLOORS: dict[str, BareLoop] = {}  # phase: the bare loop that ran beside it


def cpu_times() -> list[int]:
    """The machine's CPU time so far by CPU_FIELDS, in ticks; empty where /proc/stat is missing."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(v) for v in stat.readline().split()[1 : 1 + len(CPU_FIELDS)]]
    except OSError:
        return []


def note_cpu_split(before: list[int], after: list[int]) -> None:
    """Each field's share of the CPU time between two cpu_times(): steal is the time a virtual
    machine's host ran something else on its CPUs, when a GUI thread ready to run could not."""
    spent = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(spent)
    if total:
        CPU_SPLIT.update({name: 100 * part / total for name, part in zip(CPU_FIELDS, spent, strict=False)})


class GapWitness:
    """What the GUI thread did in each 5 ms tick interval, to say where the worst ones went.

    At every tick: the GUI thread's own CPU time, its time waiting for a CPU while runnable (Linux:
    /proc/thread-self/schedstat), the machine's steal ticks, and the collector's pauses in between.
    The rest of a gap is time the thread was neither running nor queued: blocked in a call, or on a
    CPU the host had taken (a virtual machine's vCPU preempted mid-run is not seen as queueing).
    """

    def __init__(self) -> None:
        import gc

        self.rows: list[tuple[float, float, float, int, float]] = []  # at, cpu, queued, steal, gc
        self.gc_ms = 0.0
        self._gc_began = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self.gc_ms += (time.perf_counter() - self._gc_began) * 1000

    @staticmethod
    def _queued_ms() -> float:
        try:
            with open("/proc/thread-self/schedstat", encoding="ascii") as stat:
                return int(stat.read().split()[1]) / 1e6
        except (OSError, IndexError, ValueError):
            return 0.0

    def tick(self) -> None:
        steal = cpu_times()
        self.rows.append(
            (
                time.perf_counter(),
                time.thread_time() * 1000,
                self._queued_ms(),
                steal[7] if len(steal) > 7 else 0,
                self.gc_ms,
            )
        )

    def worst(self, count: int = 5) -> list[str]:
        """The `count` longest intervals, each split into where its time went."""
        spans = [
            ((b[0] - a[0]) * 1000, b[1] - a[1], b[2] - a[2], b[3] - a[3], b[4] - a[4])
            for a, b in itertools.pairwise(self.rows)
        ]
        spans.sort(reverse=True)
        return [
            f"{gap:.0f} ms = GUI thread on CPU {cpu:.0f} ms (collector {gc_ms:.0f} ms), waiting for a CPU "
            f"{queued:.0f} ms, neither {max(0.0, gap - cpu - queued):.0f} ms; machine steal {steal} ticks"
            for gap, cpu, queued, steal, gc_ms in spans[:count]
        ]


WITNESS = GapWitness()


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")


async def gui_run(
    urls: list[str], home: Path, in_window: bool, collector: Any
) -> tuple[list[float], float, int]:
    """(tick intervals in s, seconds from submit to all done, bytes saved) through the real window."""
    from PySide6.QtCore import Qt, QTimer

    from vms_desk.app import compose
    from vms_desk.core.export import ExportRequest
    from vms_desk.core.models import TimeSpan, Vendor

    parts = compose(home=home, out_dir=home / "evidence", engine_process=not in_window)
    parts.start()
    window = parts.window
    window.resize(1280, 800)
    window.show()
    control = parts.workstation.control
    for url in urls:
        window.add_demo_server(Vendor.AXXON_ONE, url, "demo", "demo")
    await window.connections.wait_idle()
    # The app's one full collection two seconds after start (ui.shell.gc_guard) is start-up work:
    # done here, before the figures, wherever those two seconds fell.
    collector.settle()
    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(5)
    timer.timeout.connect(lambda: (ticks.append(time.perf_counter()), WITNESS.tick()))
    start, end = span()
    request = ExportRequest(camera_id=CAMERA, span=TimeSpan(start=start, end=end), format="mkv")
    servers = [s.config for s in parts.workstation.servers.servers()]
    finished: set[str] = set()
    all_done = asyncio.Event()

    def note(record: Any) -> None:
        if record.state.finished:
            finished.add(record.id)
            if len(finished) >= len(servers):
                all_done.set()

    control.add_listener(note)
    cpu_before = cpu_times()
    FLOORS["GUI"] = floor = BareLoop()
    timer.start()
    began = time.perf_counter()
    records = [
        await control.submit(
            server, request, camera_name=None, out_dir=home / "evidence", case=None, operator="bench"
        )
        for server in servers
    ]
    await all_done.wait()
    took = time.perf_counter() - began
    timer.stop()
    floor.stop()
    note_cpu_split(cpu_before, cpu_times())
    failed = [r.error for r in map(control.store.get, (r.id for r in records)) if r.error]
    await parts.aclose()
    parts.dispose()
    if failed:
        raise SystemExit(f"GUI exports failed: {failed}")
    return [b - a for a, b in itertools.pairwise(ticks)], took, folder_bytes(home / "evidence")


def cli_run(urls: list[str], home: Path) -> tuple[float, int]:
    """(seconds, bytes) for the same eight exports as eight `vms-desk export` processes."""
    start, end = span()
    out = home / "cli-evidence"
    env = {**os.environ, "VMS_DESK_HOME": str(home / "cli-home"), "PW": "demo", "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "vms_desk"]
    # The store is created once, untimed, as on any workstation that has run before (eight processes
    # creating one new file at once wait on each other's schema steps).
    subprocess.run([*base, "jobs"], env=env, capture_output=True, check=True)
    args = ["--camera", CAMERA, "--start", start.isoformat(), "--end", end.isoformat(), "--format", "mkv"]
    began = time.perf_counter()
    FLOORS["CLI"] = floor = BareLoop()
    procs = [
        subprocess.Popen(
            [
                *base,
                "export",
                "--vendor",
                "axxon-one",
                "--url",
                url,
                "--user",
                "demo",
                "--password-env",
                "PW",
                *args,
                "--out",
                str(out / str(n)),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, url in enumerate(urls)
    ]
    errors = [p.communicate()[1] for p in procs if p.wait() != 0]
    took = time.perf_counter() - began
    floor.stop()
    if errors:
        raise SystemExit(f"CLI exports failed: {errors[0][-500:]}")
    return took, folder_bytes(out)


def main() -> None:
    """Start the simulators, run the GUI phase, then the CLI phase, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=400, help="bytes of each export, in MiB")
    parser.add_argument("--overall", type=int, default=None, help="the engine's overall limit for the run")
    parser.add_argument(
        "--in-window", action="store_true", help="run the engine in the window's process, not its own"
    )
    parser.add_argument("--export-seconds", type=float, default=2.0, help="server-side export time")
    parser.add_argument(
        "--sim-nice",
        type=int,
        default=19,
        help="how far below normal priority the simulators run (0: compete with the app as equals)",
    )
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise SystemExit("ui_stall.py needs a display: run it under xvfb-run")
    sys.path.insert(0, str(ROOT))
    import qasync
    from PySide6.QtWidgets import QApplication

    procs, urls = start_sims(args.size_mib * 1024 * 1024, args.export_seconds, args.sim_nice)
    home = Path(tempfile.mkdtemp(prefix="vms-desk-stall-"))
    os.environ["VMS_DESK_HOME"] = str(home)
    if args.overall is not None:
        (home / "settings.json").write_text(json.dumps({"overall": args.overall}), encoding="utf-8")
    try:
        app = QApplication.instance() or QApplication([])
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        from vms_desk.ui.shell.gc_guard import GuiThreadGc

        collector = GuiThreadGc()  # as run_gui does: the cyclic collector runs on the GUI thread
        collector.start()
        with loop:
            gaps, took, saved = loop.run_until_complete(gui_run(urls, home, args.in_window, collector))
        collector.stop()
        shutil.rmtree(home / "evidence", ignore_errors=True)
        cli_took, cli_saved = cli_run(urls, home)
    finally:
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in procs:
            proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    p99, worst = percentiles(gaps)
    rate, cli_rate = saved / took / 1e6, cli_saved / cli_took / 1e6
    print(
        f"GUI: {saved / 1e6:.0f} MB in {took:.1f} s; {len(gaps)} ticks, "
        f"median {statistics.median(gaps) * 1000:.1f} ms"
    )
    print(f"CLI: {cli_saved / 1e6:.0f} MB in {cli_took:.1f} s; GUI/CLI {rate / cli_rate:.2f} x")
    if CPU_SPLIT:
        print(
            "machine CPU while the GUI downloaded: "
            + ", ".join(f"{name} {share:.0f} %" for name, share in CPU_SPLIT.items())
        )
    for phase, loop in FLOORS.items():
        loop_p99, loop_max = percentiles(loop.gaps)
        print(
            f"machine floor beside the {phase} downloads: a bare 5 ms sleep loop in a process of its own "
            f"saw p99 {loop_p99:.0f} ms, max {loop_max:.0f} ms"
        )
    print("the longest gaps in the window's loop:")
    for line in WITNESS.worst():
        print(f"  {line}")
    print(
        f"stall: p99 {p99:.0f} ms, max {worst:.0f} ms while 8 downloads ran at {rate:.0f} MB/s "
        f"(CLI {cli_rate:.0f} MB/s)"
    )


if __name__ == "__main__":
    main()
