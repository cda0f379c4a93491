"""The team store going away mid-work: writes wait for it in order, nothing is lost, the window is told."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from records_helpers import new_record

from vms_desk.core.jobstate import JobState
from vms_desk.jobs import writer as writer_module
from vms_desk.jobs.store import JobStore
from vms_desk.jobs.writer import StoreWriter
from vms_desk.store.database import StoreUnreachable
from vms_desk.store.open import open_database


@pytest.mark.asyncio
async def test_writes_made_while_the_store_is_down_land_in_order_when_it_returns(
    postgres: Any, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "OUTAGE_MAX_DELAY", 0.5)
    store = JobStore(open_database(pg_url))
    record = store.add(new_record(tmp_path, JobState.DOWNLOADING), "d")
    writer = StoreWriter(store, interval=0.05)
    heard: list[str | None] = []
    writer.add_health_listener(lambda e: heard.append(None if e is None else str(e)))
    outage = threading.Thread(target=postgres.restart_after, args=(2.0,))
    outage.start()
    await asyncio.sleep(0.3)
    writer.progress(record.id, bytes_done=10)
    writer.progress(record.id, bytes_done=20)  # coalesced: the last value wins
    moved = await writer.call(store.move, record.id, JobState.VERIFYING, "all bytes on disk")
    await asyncio.to_thread(outage.join)
    assert moved.state is JobState.VERIFYING
    await writer.drain()
    final = store.get(record.id)
    assert (final.state, final.bytes_done) == (JobState.VERIFYING, 20)
    assert [e.detail for e in store.events(record.id)] == ["d", "all bytes on disk"]
    assert heard[0] is not None
    assert "unreachable" in heard[0]
    assert heard[-1] is None
    assert writer.outage is None
    await writer.close()


@pytest.mark.asyncio
async def test_closing_while_the_store_is_down_gives_up_after_the_grace(
    postgres: Any, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "CLOSE_GRACE", 0.5)
    store = JobStore(open_database(pg_url))
    record = store.add(new_record(tmp_path, JobState.DOWNLOADING), "d")
    writer = StoreWriter(store)
    outage = threading.Thread(target=postgres.restart_after, args=(4.0,))
    outage.start()
    await asyncio.sleep(0.3)
    pending = asyncio.ensure_future(writer.call(store.add_event, record.id, "late"))
    await asyncio.sleep(0.2)
    started = asyncio.get_running_loop().time()
    await writer.close()
    assert asyncio.get_running_loop().time() - started < 3
    with pytest.raises(StoreUnreachable):
        await pending
    await asyncio.to_thread(outage.join)
