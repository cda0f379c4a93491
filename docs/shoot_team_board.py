"""Screenshots of the supervisor board over a PostgreSQL team store: three investigators' workstations
and their jobs, one of them downloading live, then the team server restarting.

Run under Xvfb from the repository: `xvfb-run -a .venv/bin/python docs/shoot_team_board.py [OUT]`
(needs Debian's postgresql package: a throwaway server from tests/pg_server.py). Writes OUT/board-team.png
(default docs/screenshots) and /tmp/board-team-outage.png (the line while the server is down).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pg_server import SUPERUSER_PASSWORD, LocalPostgres  # noqa: E402

from vms_desk.app import compose  # noqa: E402
from vms_desk.core.clock import ClockMethod, ClockReading  # noqa: E402
from vms_desk.core.export import ExportRequest  # noqa: E402
from vms_desk.core.jobstate import JobState  # noqa: E402
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor  # noqa: E402
from vms_desk.jobs.records import FileRecord, JobRecord, Verification  # noqa: E402
from vms_desk.jobs.store import JobStore  # noqa: E402
from vms_desk.store.open import open_database  # noqa: E402

# Loopback addresses on closed ports: nothing here is ever contacted (the window's engine is not
# started), and if it were, it would reach nothing but this machine.
SERVERS = [
    ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:9", user="export", name="Depot gates"),
    ServerConfig(vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:9", user="export", name="HQ lobby"),
    ServerConfig(vendor=Vendor.VDG_SENSE, url="http://127.0.0.1:8", user="export", name="Warehouse"),
    ServerConfig(vendor=Vendor.EXACQ, url="http://127.0.0.1:7", user="export", name="Car park"),
]
TEAM = [("alice", "INV-WS-01"), ("bob", "INV-WS-02"), ("carol", "INV-WS-03")]
CAMERAS = ["Gate 1", "Gate 2", "Loading bay", "Lobby", "Reception", "Till 3", "Ramp", "Level -1"]
CASES = ["2026-0412", "2026-0415", "2026-0419", "2026-0420"]


def _jobs(out: Path, count: int) -> list[JobRecord]:
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    made = []
    for i in range(count):
        operator, host = TEAM[i % 3]
        server = SERVERS[rng.randrange(len(SERVERS))]
        created = now - timedelta(minutes=7 * i + 3 + rng.randrange(5))
        end = created - timedelta(hours=rng.randrange(2, 30))
        span = TimeSpan(start=end - timedelta(minutes=rng.choice((2, 5, 10))), end=end)
        camera = rng.choice(CAMERAS)
        state = (
            JobState.DONE if i > 3 else [JobState.DOWNLOADING, JobState.PROCESSING, JobState.QUEUED][i % 3]
        )
        if i in (5, 11):
            state = JobState.FAILED
        if i == 8:
            state = JobState.INTERRUPTED
        size = rng.randrange(20, 400) * 1_000_000
        done = state is JobState.DONE
        digest = uuid.UUID(int=rng.getrandbits(128)).hex * 2
        made.append(
            JobRecord(
                id=uuid.uuid4().hex,
                created=created,
                updated=created + timedelta(minutes=2),
                state=state,
                server=server,
                camera_id=f"cam-{camera}",
                camera_name=camera,
                request=ExportRequest(camera_id=f"cam-{camera}", span=span, format="mkv"),
                out_dir=out,
                case=CASES[(i // 4) % len(CASES)],
                operator=operator,
                workstation=host,
                bytes_done=size if done else (size * 42 // 100 if state is JobState.DOWNLOADING else 0),
                bytes_total=size if state in (JobState.DONE, JobState.DOWNLOADING) else None,
                progress=0.6 if state is JobState.PROCESSING else 0.0,
                files=(FileRecord(name="clip.mkv", size=size, sha256=digest),) if done else (),
                error=(
                    "The server refused the export: the recording was overwritten."
                    if state is JobState.FAILED
                    else "vms_desk stopped while the job was downloading; it can be resumed."
                    if state is JobState.INTERRUPTED
                    else ""
                ),
                actual=span if done else None,
                clock=ClockReading(
                    server_offset_s=rng.choice((0.4, -1.2, 90.3))
                    if server.vendor is not Vendor.EXACQ
                    else 2.1,
                    method=ClockMethod.VENDOR,
                    resolution_s=0.5,
                    measured_at=created,
                ),
                verified=Verification(when=now - timedelta(hours=1), ok=i != 9, detail="")
                if done and i % 2
                else None,
            )
        )
    return made


def _save(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise SystemExit(f"could not write {path}")
    print(f"saved {path}")


async def _until(condition: object, seconds: float) -> None:
    for _ in range(int(seconds * 20)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.05)
    raise SystemExit("the board did not get there in time")


async def main(out: Path) -> None:
    server = LocalPostgres().start()
    work = Path(tempfile.mkdtemp(prefix="vms_desk-team-shot-"))
    try:
        os.environ["VMS_DESK_STORE_PASSWORD"] = SUPERUSER_PASSWORD
        url = server.new_database("team")
        os.environ["VMS_DESK_STORE_URL"] = url
        other = JobStore(open_database(url))  # the other workstations
        jobs = _jobs(work / "evidence", 240)
        other.add_many(jobs[3:], "imported")
        parts = compose(home=work / "home", out_dir=work / "evidence")
        window = parts.window
        try:
            # The window only: its engine would take the other workstations' unowned jobs as its own.
            window.start(restore=False)
            window.show()
            board = window.show_supervisor()
            board.resize(1500, 520)
            await board.settled()
            for record in reversed(jobs[:3]):  # queued now, elsewhere: they arrive live
                await asyncio.to_thread(other.add, record, "queued")
            await _until(lambda: board.model.rowCount() >= 103, 5)
            await asyncio.to_thread(other.update, jobs[0].id, bytes_done=jobs[0].bytes_total * 57 // 100)
            await asyncio.sleep(1.5)  # the counts follow within a second
            board.table.resizeColumnsToContents()
            await asyncio.sleep(0.3)
            _save(board, out / "board-team.png")
            restart = asyncio.ensure_future(asyncio.to_thread(server.restart_after, 4.0))
            await _until(lambda: not board.store_line.isHidden(), 5)
            await asyncio.sleep(0.3)
            _save(board, Path(tempfile.gettempdir()) / "board-team-outage.png")
            _save(window, Path(tempfile.gettempdir()) / "window-team-outage.png")
            await restart
            await _until(board.store_line.isHidden, 15)
            board.close()
        finally:
            await parts.aclose()
            parts.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(target))
