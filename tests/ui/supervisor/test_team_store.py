"""The window and the board over a real PostgreSQL team store: another workstation's jobs and progress
show within a second, and a server restart is one line in the window and the board that goes once the
board has caught up."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.store.open import open_database
from vms_desk.ui.supervisor.board import SupervisorBoard
from vms_desk.ui.supervisor.model import RecordRole

SERVER = ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:9", user="demo", name="Gate cams")


def _record(home: Path, camera: str, operator: str) -> JobRecord:
    now = datetime.now(UTC)
    span = TimeSpan(start=now - timedelta(minutes=10), end=now - timedelta(minutes=8))
    return JobRecord(
        id=uuid.uuid4().hex,
        created=now,
        updated=now,
        state=JobState.QUEUED,
        server=SERVER,
        camera_id=f"id-{camera}",
        camera_name=camera,
        request=ExportRequest(camera_id=f"id-{camera}", span=span, format="mkv"),
        out_dir=home / "evidence",
        case="C-7",
        operator=operator,
        workstation="ws-other",
    )


async def _until(condition: Callable[[], bool], within: float, what: str) -> float:
    """Seconds until `condition()` held (the Qt loop runs meanwhile); fails after `within` seconds."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            pytest.fail(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def _row(board: SupervisorBoard, job_id: str) -> JobRecord | None:
    model = board.model
    for row in range(model.rowCount()):
        record = model.data(model.index(row, 0), RecordRole)
        if record.id == job_id:
            return record
    return None


@pytest_asyncio.fixture
async def team(
    pg_url: str, home: Path, http: Any, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Any]:
    """The window over the team store, started, with its board open; and another workstation's store."""
    from vms_desk.app import compose

    monkeypatch.setenv("VMS_DESK_STORE_URL", pg_url)
    parts = compose(home=home, http=http, out_dir=home / "evidence")
    parts.start(restore=False)
    board = parts.window.show_supervisor()
    await board.settled()
    other = JobStore(open_database(pg_url))  # its own connections, as another workstation's
    yield parts, board, other
    board.close()
    await parts.aclose()
    parts.dispose()


@pytest.mark.asyncio
@pytest.mark.qt_log_ignore("This plugin does not support")  # the board is shown and raised, offscreen
async def test_another_workstations_job_and_progress_show_within_a_second(team: Any, home: Path) -> None:
    parts, board, other = team
    assert parts.workstation.store.db.engine == "postgresql"
    assert board.watch is parts.window.store_watch
    record = await asyncio.to_thread(other.add, _record(home, "Gate", "carol"), "queued elsewhere")
    took = await _until(lambda: _row(board, record.id) is not None, 5, "the new job's row")
    assert took < 1.0
    await asyncio.to_thread(other.move, record.id, JobState.SUBMITTING)
    await asyncio.to_thread(other.move, record.id, JobState.PROCESSING)
    await asyncio.to_thread(other.move, record.id, JobState.DOWNLOADING, bytes_total=1000)
    await asyncio.to_thread(other.update, record.id, bytes_done=420)
    took = await _until(lambda: (_row(board, record.id) or record).bytes_done == 420, 5, "the progress")
    assert took < 1.0
    assert "step 4 of 5, 42%" in board.model.data(board.model.index(0, 7))
    # The counts follow, at most once a second while jobs change.
    await _until(lambda: board.status.text().startswith("1 of 1 job(s) match"), 3, "the counts")
    assert board.store_line.isHidden()
    assert parts.window.store_bar.isHidden()


@pytest.mark.asyncio
@pytest.mark.qt_log_ignore("This plugin does not support")  # the board is shown and raised, offscreen
async def test_a_restarted_server_is_one_line_until_the_board_caught_up(
    team: Any, home: Path, postgres: Any
) -> None:
    parts, board, other = team
    window = parts.window
    before = await asyncio.to_thread(other.add, _record(home, "Door", "carol"), "queued elsewhere")
    await _until(lambda: _row(board, before.id) is not None, 5, "the first job's row")
    restart = asyncio.ensure_future(asyncio.to_thread(postgres.restart_after, 2.0))
    await _until(lambda: not window.store_bar.isHidden() and not board.store_line.isHidden(), 5, "the line")
    for line in (window.store_line, board.store_line):
        assert line.text().startswith("The team store postgresql://")
        assert "is unreachable (" in line.text()  # with libpq's reason
        assert line.text().endswith("Exports go on and are recorded when it is back.")
    await restart
    await _until(lambda: window.store_bar.isHidden() and board.store_line.isHidden(), 15, "the line going")
    assert window.store_watch.problem == ""
    # Caught up and live again: a job queued elsewhere after the return shows.
    after = await asyncio.to_thread(other.add, _record(home, "Yard", "dave"), "queued elsewhere")
    await _until(lambda: _row(board, after.id) is not None, 5, "the job queued after the return")
    assert _row(board, before.id) is not None
