"""Print how fast the supervisor board is over a store of 100,000 jobs, on SQLite and on PostgreSQL.

Run from the repository root: ``python benchmarks/store.py`` (Qt offscreen; ``--url postgresql://…`` for
a server of your own, its password in VMS_DESK_STORE_PASSWORD; otherwise a throwaway server from
tests/pg_server.py, which needs Debian's postgresql package). Each store is filled in one transaction
(JobStore.add_many), then each run opens a new SupervisorBoard on a Workstation over it, the code a
supervisor runs, and times:

- first page: from refresh() until the first page of rows is in the board's model;
- filter change: from choosing one operator (then one state) in the filter combos until the model
  holds that filter's first page (the slower of the two);
- notify-to-row (PostgreSQL): from another process's committed write of a job's progress until the
  board's model holds the new figure (NOTIFY, the listener thread, the reader thread, the row).

Targets: first page < 1 s, filter change < 100 ms, notify-to-row < 1 s. The last lines are the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OPERATORS = [f"op-{i:02d}" for i in range(20)]
WORKSTATIONS = [f"ws-{i:02d}" for i in range(10)]
# The other workstation: waits for a job id on stdin, writes its progress, prints when that committed.
WRITER = """
import sys, time
from vms_desk.jobs.store import JobStore
from vms_desk.store.open import open_database
store = JobStore(open_database(sys.argv[1]))
print("ready", flush=True)
for line in sys.stdin:
    job_id, done = line.split()
    store.update(job_id, bytes_done=int(done))
    print(time.time(), flush=True)
"""


def _jobs(count: int, out: Path) -> list[Any]:
    """`count` jobs over a year: 20 operators, 10 workstations, 500 cases, 8 servers, every state."""
    from vms_desk.core.export import ExportRequest
    from vms_desk.core.jobstate import JobState
    from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
    from vms_desk.jobs.records import FileRecord, JobRecord

    rng = random.Random(12)
    vendors = list(Vendor)
    servers = [
        ServerConfig(
            vendor=vendors[i % len(vendors)], url=f"http://127.0.0.{i + 1}:9", user="u", name=f"Site {i}"
        )
        for i in range(8)
    ]
    states = (
        [JobState.DONE] * 14
        + [JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED]
        + [
            JobState.QUEUED,
            JobState.DOWNLOADING,
        ]
    )
    now = datetime.now(UTC)
    end = now - timedelta(days=1)
    template = JobRecord(
        id="x",
        created=now,
        updated=now,
        state=JobState.DONE,
        server=servers[0],
        camera_id="cam",
        camera_name="Camera",
        request=ExportRequest(
            camera_id="cam", span=TimeSpan(start=end - timedelta(minutes=2), end=end), format="mkv"
        ),
        out_dir=out,
        files=(FileRecord(name="clip.mkv", size=5_000_000, sha256="ab" * 32),),
    )
    made = []
    for i in range(count):
        created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        camera = f"Camera {rng.randrange(300)}"
        made.append(
            template.model_copy(
                update={
                    "id": uuid.uuid4().hex,
                    "created": created,
                    "updated": created + timedelta(minutes=3),
                    "state": rng.choice(states),
                    "server": servers[i % len(servers)],
                    "camera_id": camera,
                    "camera_name": camera,
                    "operator": rng.choice(OPERATORS),
                    "workstation": rng.choice(WORKSTATIONS),
                    "case": f"2026-{rng.randrange(500):04d}",
                }
            )
        )
    return made


def _wait(app: Any, condition: Callable[[], bool], limit: float = 60.0) -> float:
    """Run the Qt loop until `condition()`; the seconds it took. The loop sleeps between events, as
    the app's does (a busy loop here would hold the GIL and slow the reader thread down)."""
    from PySide6.QtCore import QEventLoop, QTimer

    tick = QTimer(interval=5)  # wakes the loop to look at the condition
    tick.start()
    started = time.perf_counter()
    try:
        while not condition():
            if time.perf_counter() - started > limit:
                raise SystemExit(f"error: nothing after {limit:.0f} s")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        tick.stop()
    return time.perf_counter() - started


def _idle(app: Any, board: Any) -> None:
    _wait(app, lambda: board.model.reader.pending == 0)


def _timed_open(app: Any, board: Any, change: Callable[[], None]) -> float:
    """Seconds from `change()` (a refresh or a filter) until the model holds the new first page and the
    table has painted it."""
    model = board.model
    applied: list[float] = []

    def note() -> None:
        applied.append(time.perf_counter())

    model.loaded.connect(note)
    started = time.perf_counter()
    change()
    _wait(app, lambda: bool(applied))
    board.table.viewport().repaint()
    seconds = time.perf_counter() - started
    model.loaded.disconnect(note)
    _idle(app, board)
    return seconds


def _notify_to_row(app: Any, board: Any, writer: subprocess.Popen[str], samples: int) -> list[float]:
    """Seconds from the other process's commit to the new progress in the board's model, per sample."""
    from vms_desk.ui.supervisor.model import RecordRole

    model = board.model
    figures = []
    for n in range(samples):
        top = model.data(model.index(0, 0), RecordRole)
        value = top.bytes_done + 1000 + n
        assert writer.stdin is not None
        assert writer.stdout is not None
        writer.stdin.write(f"{top.id} {value}\n")
        writer.stdin.flush()
        _wait(app, lambda top=top, value=value: model.data(model.index(0, 0), RecordRole).bytes_done == value)
        arrived = time.time()
        committed = float(writer.stdout.readline())
        figures.append(arrived - committed)
        _idle(app, board)
    return figures


def _one_board(
    app: Any, workstation: Any, writer: subprocess.Popen[str] | None
) -> tuple[float, float, float | None, str]:
    """Open a board and time it: first page, filter change, notify-to-row (median of 5, or None)."""
    from vms_desk.core.jobstate import JobState
    from vms_desk.ui.supervisor.board import SupervisorBoard
    from vms_desk.ui.supervisor.model import COL_OPERATOR
    from vms_desk.workstation.tasks import TaskSet

    board = SupervisorBoard(workstation, TaskSet(lambda error: None))
    board.resize(1400, 700)
    board.show()
    operators, states = board.combos[COL_OPERATOR], board.state_combo
    first = _timed_open(app, board, board.refresh)
    operator = _timed_open(app, board, lambda: operators.setCurrentText("op-07"))
    state = _timed_open(app, board, lambda: states.setCurrentText(JobState.FAILED.value))
    shown = board.model.matching
    _timed_open(app, board, lambda: operators.setCurrentText("(any)"))
    _timed_open(app, board, lambda: states.setCurrentText("(any)"))
    line = (
        f"first page {first * 1000:.0f} ms, operator {operator * 1000:.0f} ms, "
        f"+ state {state * 1000:.0f} ms ({shown} jobs match)"
    )
    notify = None
    if writer is not None:
        samples = _notify_to_row(app, board, writer, 5)
        notify = statistics.median(samples)
        line += f", notify-to-row {' '.join(f'{s * 1000:.0f}' for s in samples)} ms"
    board.close()
    board.deleteLater()
    app.processEvents()
    return first, max(operator, state), notify, line


def measure(engine: str, url: str, count: int, runs: int) -> dict[str, list[float]]:
    """Fill a store at `url`, then time `runs` boards over it."""
    from PySide6.QtWidgets import QApplication

    from vms_desk.jobs.store import JobStore
    from vms_desk.store.open import open_database
    from vms_desk.workstation.root import Workstation

    app = QApplication.instance() or QApplication([])
    home = Path(tempfile.mkdtemp(prefix=f"vms_desk-bench-{engine}-"))
    os.environ["VMS_DESK_STORE_URL"] = url
    store = JobStore(open_database(url))
    began = time.perf_counter()
    jobs = _jobs(count, home / "evidence")
    made = time.perf_counter() - began
    began = time.perf_counter()
    store.add_many(jobs, "imported for the benchmark")
    filled = time.perf_counter() - began
    print(f"{engine}: {count} jobs made in {made:.1f} s, stored in {filled:.1f} s (one transaction)")
    if engine == "postgresql":
        with store.db.read() as conn:  # autovacuum does this after a bulk insert; now, not later
            conn.execute("VACUUM ANALYZE jobs")
    workstation = Workstation.open(home)
    writer = None
    if engine == "postgresql":
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert writer.stdout is not None
        writer.stdout.readline()
    figures: dict[str, list[float]] = {"first page": [], "filter change": [], "notify-to-row": []}
    try:
        for run in range(runs):
            first, change, notify, line = _one_board(app, workstation, writer)
            figures["first page"].append(first)
            figures["filter change"].append(change)
            if notify is not None:
                figures["notify-to-row"].append(notify)
            print(f"  run {run + 1}: {line}", flush=True)
    finally:
        if writer is not None:
            writer.kill()
            writer.wait()
        asyncio.run(workstation.aclose())
    return figures


def _summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{name} {statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})"


def main() -> None:
    """Both engines, `--runs` boards each; the figures, then one line per engine."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs in each store")
    parser.add_argument("--runs", type=int, default=3, help="boards opened on each store")
    parser.add_argument("--url", help="a PostgreSQL database to fill (else a throwaway server)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    work = Path(tempfile.mkdtemp(prefix="vms_desk-bench-"))
    results = {
        "sqlite": measure("sqlite", f"sqlite:///{(work / 'jobs.sqlite3').as_posix()}", args.jobs, args.runs)
    }
    server = None
    if not args.sqlite_only:
        url = args.url
        if url is None:
            from pg_server import SUPERUSER_PASSWORD, LocalPostgres

            server = LocalPostgres().start()
            os.environ["VMS_DESK_STORE_PASSWORD"] = SUPERUSER_PASSWORD
            url = server.new_database("bench")
        try:
            results["postgresql"] = measure("postgresql", url, args.jobs, args.runs)
        finally:
            if server is not None:
                server.stop()
    print()
    for engine, figures in results.items():
        print(f"{engine}: " + "; ".join(_summary(k, v) for k, v in figures.items() if v))
    for engine, figures in results.items():
        median = {name: statistics.median(values) * 1000 for name, values in figures.items() if values}
        line = (
            f"store ({engine}): {args.jobs} jobs, first page {median['first page']:.0f} ms, "
            f"filter change {median['filter change']:.0f} ms"
        )
        if "notify-to-row" in median:
            line += f", notify-to-row {median['notify-to-row']:.0f} ms"
        print(line)


if __name__ == "__main__":
    main()
