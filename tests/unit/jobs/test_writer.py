"""The store writer: writes run on one thread in order, progress is coalesced into one commit a second."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.codec import utc_now
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.jobs.writer import StoreWriter


class CountingStore(JobStore):
    """The real SQLite store, counting the commits of update_many and noting the threads it ran on."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.batches: list[dict[str, dict[str, Any]]] = []
        self.threads: set[str] = set()

    def update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        self.threads.add(threading.current_thread().name)
        self.batches.append({k: dict(v) for k, v in changes.items()})
        super().update_many(changes)

    def move(self, *args: Any, **kwargs: Any) -> JobRecord:
        self.threads.add(threading.current_thread().name)
        return super().move(*args, **kwargs)


def _job(job_id: str) -> JobRecord:
    end = datetime(2026, 1, 1, tzinfo=UTC)
    now = utc_now()
    return JobRecord(
        id=job_id,
        created=now,
        updated=now,
        state=JobState.QUEUED,
        server=ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:1"),
        camera_id="1",
        camera_name="Gate",
        request=ExportRequest(
            camera_id="1", span=TimeSpan(start=end - timedelta(seconds=5), end=end), format="mkv"
        ),
        out_dir=Path.cwd(),
    )


@pytest.mark.asyncio
async def test_progress_of_every_job_is_coalesced_into_one_commit_a_second(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "jobs.sqlite3")
    writer = StoreWriter(store, interval=0.3)
    for job_id in ("a", "b"):
        await writer.call(store.add, _job(job_id))
    for n in range(1, 51):
        writer.progress("a", bytes_done=n)
        writer.progress("b", bytes_done=10 * n, progress=n / 50)
        await asyncio.sleep(0.01)  # half a second of progress reports
    await writer.close()
    assert 2 <= len(store.batches) <= 3  # one at once, then at most one per 0.3 s, then the drain
    assert store.batches[-1] == {"a": {"bytes_done": 50}, "b": {"bytes_done": 500, "progress": 1.0}}
    assert store.get("a").bytes_done == 50
    assert store.threads
    assert all(name.startswith("job-store") for name in store.threads)


@pytest.mark.asyncio
async def test_a_state_change_lands_after_the_progress_noted_before_it(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "jobs.sqlite3")
    writer = StoreWriter(store, interval=60)  # no timed flush during the test
    await writer.call(store.add, _job("a"))
    writer.progress("a", bytes_done=1)  # written at once (first flush)
    await writer.drain()
    writer.progress("a", bytes_done=7)  # pending for a minute...
    await writer.call(store.move, "a", JobState.SUBMITTING, "go", bytes_done=9)  # ...but queued first
    await writer.close()
    record = store.get("a")
    assert record.state is JobState.SUBMITTING
    assert record.bytes_done == 9  # the older progress did not overwrite the move's value
    assert store.batches[-1] == {"a": {"bytes_done": 7}}


@pytest.mark.asyncio
async def test_an_awaited_write_is_committed_when_it_returns(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    writer = StoreWriter(store)
    await writer.call(store.add, _job("a"))
    await writer.call(store.move, "a", JobState.SUBMITTING, "go")
    assert JobStore(store.path).get("a").state is JobState.SUBMITTING  # another connection sees it
    writer.post(store.add_event, "a", "a note")
    events = await writer.call(store.events, "a")  # a read queued after the note sees it
    assert events[-1].detail == "a note"
    await writer.close()


@pytest.mark.asyncio
async def test_health_listeners_hear_an_unreachable_store_and_its_return(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vms_desk.jobs import writer as writer_module
    from vms_desk.store.database import StoreUnreachable

    monkeypatch.setattr(writer_module, "OUTAGE_FIRST_DELAY", 0.01)
    writer = StoreWriter(CountingStore(tmp_path / "jobs.sqlite3"))
    heard: list[str | None] = []
    unsubscribe = writer.add_health_listener(lambda e: heard.append(None if e is None else str(e)))
    tries = {"left": 3}

    def down_three_times() -> str:
        if tries["left"]:
            tries["left"] -= 1
            raise StoreUnreachable("The team store db is unreachable (Connection refused).")
        return "written"

    assert await writer.call(lambda: 1) == 1
    assert heard == []  # reachable all along: nothing to say
    assert await writer.call(down_three_times) == "written"  # waited out, not failed
    assert tries["left"] == 0
    assert len(heard) == 2  # the outage once (not once a try), then its end
    assert heard[0] is not None
    assert heard[0].startswith("The team store db is unreachable (Connection refused). Exports go on")
    assert heard[1] is None
    unsubscribe()
    tries["left"] = 1
    assert await writer.call(down_three_times) == "written"
    assert len(heard) == 2
    await writer.close()
