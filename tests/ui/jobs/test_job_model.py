"""The job table model filled from a real SQLite store: structure, columns, progress, filtering."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.listeners import JobProgress
from vms_desk.jobs.records import FileRecord, JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.ui.jobs.filter import STATE_FILTERS, JobFilterProxy
from vms_desk.ui.jobs.model import (
    COL_BYTES,
    COL_CAMERA,
    COL_ERROR,
    COL_ETA,
    COL_SHA,
    COL_SPAN,
    COL_STATE,
    JobTableModel,
    ProgressRole,
    RecordRole,
    StateRole,
)

SERVER = ServerConfig(vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:9", user="demo", name="Station 1")
START = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)


def _add(store: JobStore, camera: str, *, minutes: int = 0) -> JobRecord:
    now = START + timedelta(minutes=minutes)
    span = TimeSpan(start=START, end=START + timedelta(minutes=5))
    record = JobRecord(
        id=uuid.uuid4().hex,
        created=now,
        updated=now,
        state=JobState.QUEUED,
        server=SERVER,
        camera_id=f"id-{camera}",
        camera_name=camera,
        request=ExportRequest(camera_id=f"id-{camera}", span=span, format="mp4"),
        out_dir=Path("/tmp/evidence"),
    )
    return store.add(record, "queued by test")


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    """A real store with a done, a failed, a downloading and a queued job."""
    store = JobStore(tmp_path / "jobs.sqlite")
    done = _add(store, "Entrance", minutes=0)
    for state in (JobState.SUBMITTING, JobState.PROCESSING, JobState.DOWNLOADING, JobState.VERIFYING):
        store.move(done.id, state)
    store.move(
        done.id,
        JobState.DONE,
        files=(FileRecord(name="a.mp4", size=105_000, sha256="ab" * 32),),
        bytes_done=105_000,
        bytes_total=105_000,
    )
    failed = _add(store, "Parking Lot", minutes=1)
    store.move(failed.id, JobState.SUBMITTING)
    store.move(failed.id, JobState.FAILED, error="The server refused the export: no recording in this span.")
    running = _add(store, "Cash Desk 1", minutes=2)
    store.move(running.id, JobState.SUBMITTING)
    store.move(running.id, JobState.DOWNLOADING, bytes_done=1000, bytes_total=4000)
    _add(store, "Loading Bay", minutes=3)
    return store


def test_model_from_store_passes_qtmodeltester(qtmodeltester, store):
    model = JobTableModel()
    model.load(store.jobs())
    qtmodeltester.check(model, force_py=True)
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("e")
    qtmodeltester.check(proxy, force_py=True)


def test_rows_newest_first_with_readable_columns(store):
    model = JobTableModel(zone=UTC)
    model.load(store.jobs())
    assert [model.data(model.index(r, COL_CAMERA)) for r in range(4)] == [
        "Loading Bay (mp4)",
        "Cash Desk 1 (mp4)",
        "Parking Lot (mp4)",
        "Entrance (mp4)",
    ]
    done = model.index(3, 0)
    assert model.data(done.siblingAtColumn(COL_STATE)) == "Done"
    assert model.data(done, StateRole) is JobState.DONE
    assert model.data(done.siblingAtColumn(COL_SPAN)) == "2026-11-20 13:05:00 – 13:10:00"
    assert model.data(done.siblingAtColumn(COL_SHA)) == "abababab…"
    assert "ab" * 32 in model.data(done.siblingAtColumn(COL_SHA), Qt.ItemDataRole.ToolTipRole)
    assert model.data(done.siblingAtColumn(COL_BYTES)) == "105.0 KB"
    assert model.data(done, ProgressRole) == 1.0
    assert "SHA-256 " + "ab" * 32 in model.details(model.data(done, RecordRole))
    failed = model.index(2, COL_ERROR)
    assert "no recording in this span" in model.data(failed)
    assert model.data(model.index(2, COL_STATE), Qt.ItemDataRole.ForegroundRole) is not None


def test_progress_updates_bytes_rate_and_eta(store):
    model = JobTableModel()
    model.load(store.jobs())
    running = model.index(1, 0)
    job = model.data(running, RecordRole)
    assert model.data(running, ProgressRole) == 0.25
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((a.column(), b.column())))
    model.apply_progress(JobProgress(job.id, 2000, 4000, 1000.0))
    assert changed == [(COL_STATE, COL_ETA)]
    assert model.data(running, ProgressRole) == 0.5
    assert model.data(running.siblingAtColumn(COL_STATE)) == "Downloading 50%"
    assert model.data(running.siblingAtColumn(COL_BYTES)) == "2.0 of 4.0 KB · 1.0 KB/s"
    assert model.data(running.siblingAtColumn(COL_ETA)) == "2 s"
    model.apply_progress(JobProgress("unknown-job", 1, 2, 1.0))  # ignored, no crash


def test_a_job_waiting_without_server_progress_says_so_with_the_time_since_the_last_change(store):
    model = JobTableModel()
    queued = _add(store, "Side Door", minutes=9)
    store.move(queued.id, JobState.SUBMITTING)
    waiting = store.move(queued.id, JobState.PROCESSING)
    model.load(store.jobs())
    index = model.index(model.row_of(waiting.id), COL_STATE)
    model.apply_progress(JobProgress(waiting.id, server_progress=0.1, still_since=time.monotonic() - 2))
    assert model.data(index) == "Processing 10%"  # a pause between two polls is not worth a word
    model.apply_progress(JobProgress(waiting.id, server_progress=0.1, still_since=time.monotonic() - 125))
    assert model.data(index) == "Processing 10% · waiting, no progress for 2 min 05 s"
    assert "no progress for 2 min 05 s" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    model.apply_progress(JobProgress(waiting.id, server_progress=0.2, still_since=time.monotonic()))
    assert model.data(index) == "Processing 20%"


def test_upsert_inserts_at_top_and_replaces(store):
    model = JobTableModel()
    model.load(store.jobs())
    new = _add(store, "Corridor East", minutes=10)
    model.upsert(new)
    assert model.rowCount() == 5
    assert model.data(model.index(0, COL_CAMERA)) == "Corridor East (mp4)"
    moved = store.move(new.id, JobState.CANCELLED, "cancelled by test")
    model.upsert(moved)
    assert model.rowCount() == 5
    assert model.data(model.index(0, COL_STATE)) == "Cancelled"
    model.remove(new.id)
    assert model.rowCount() == 4
    assert model.overall()[0] == 2  # the queued and the downloading job


def test_filter_by_state_and_search(store):
    model = JobTableModel()
    model.load(store.jobs())
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_states(STATE_FILTERS["Failed"])
    assert proxy.rowCount() == 1
    proxy.set_states(STATE_FILTERS["Active"])
    assert proxy.rowCount() == 2
    proxy.set_search("cash")
    assert proxy.rowCount() == 1
    proxy.set_states(None)
    proxy.set_search("no recording")
    assert proxy.data(proxy.index(0, COL_CAMERA)) == "Parking Lot (mp4)"
    proxy.set_search("")
    assert proxy.rowCount() == 4


class _FakeEngine:
    """Only the two listener hooks of the engine: the bridge needs nothing else."""

    def __init__(self) -> None:
        self.listeners: list = []
        self.progress_listeners: list = []

    def add_listener(self, callback):
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    def add_progress_listener(self, callback):
        self.progress_listeners.append(callback)
        return lambda: self.progress_listeners.remove(callback)


def test_bridge_throttles_a_flood_to_the_latest_figures(qtbot, store):
    from vms_desk.ui.jobs.bridge import EngineBridge

    engine = _FakeEngine()
    bridge = EngineBridge(engine, interval_ms=50)
    job = store.jobs()[0]
    seen: list[JobProgress] = []
    records: list[JobRecord] = []
    bridge.progressChanged.connect(seen.append)
    bridge.jobChanged.connect(records.append)
    with qtbot.waitSignal(bridge.flushed, timeout=2000):
        for done in range(5000):
            engine.progress_listeners[0](JobProgress(job.id, done, 5000, 1e6, 0.5))
        engine.listeners[0](job)
    assert [p.done for p in seen] == [4999]  # one update for 5000 callbacks
    assert records == [job]
    with qtbot.assertNotEmitted(bridge.flushed, wait=120):
        pass  # nothing pending: the timer does not tick idly
