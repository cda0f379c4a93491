"""A job store another process keeps locked: the error says so and nothing is written; a job's write
through the store writer waits the lock out instead of failing the export."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from vms_desk.core.errors import StorageError
from vms_desk.jobs import writer as writer_module
from vms_desk.jobs.writer import StoreWriter
from vms_desk.store import sqlite as sqlite_engine
from vms_desk.store.database import StoreBusy
from vms_desk.store.sqlite import SqliteDatabase


def _locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_ms: int) -> tuple[SqliteDatabase, Any]:
    """A store with a table, a busy_timeout of `wait_ms`, and another connection holding its write lock
    (another process in the middle of a write)."""
    db = SqliteDatabase(tmp_path / "jobs.sqlite3")
    with db.write() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    monkeypatch.setattr(sqlite_engine, "BUSY_TIMEOUT_MS", wait_ms)
    other = sqlite3.connect(tmp_path / "jobs.sqlite3", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return db, other


def test_a_write_lock_held_past_the_busy_timeout_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, other = _locked(tmp_path, monkeypatch, 200)
    try:
        with (
            pytest.raises(StorageError, match="kept busy by other vms_desk processes") as caught,
            db.write() as conn,
        ):
            conn.execute("INSERT INTO t (x) VALUES (1)")
        assert "locked" in caught.value.detail
        assert isinstance(caught.value, StoreBusy)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with db.read() as conn:
        assert conn.execute("SELECT count(*) AS n FROM t").fetchone()["n"] == 0


@pytest.mark.asyncio
async def test_a_jobs_write_waits_out_a_store_kept_busy_and_is_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight CLI exports on a saturated disk once failed an export over a 10 s lock wait."""
    db, other = _locked(tmp_path, monkeypatch, 100)  # released after 0.8 s, below
    monkeypatch.setattr(writer_module, "OUTAGE_FIRST_DELAY", 0.05)
    threading.Timer(0.8, lambda: other.execute("COMMIT")).start()

    def insert() -> int:
        with db.write() as conn:
            conn.execute("INSERT INTO t (x) VALUES (1)")
        return 1

    class Store:  # the writer's store: only what this test calls
        def get(self, job_id: str) -> None:
            return None

    writer = StoreWriter(Store())  # type: ignore[arg-type]
    heard: list[str | None] = []
    writer.add_health_listener(lambda e: heard.append(None if e is None else str(e)))
    try:
        assert await asyncio.wait_for(writer.call(insert), 10) == 1
    finally:
        await writer.close()
        other.close()
    with db.read() as conn:
        assert conn.execute("SELECT count(*) AS n FROM t").fetchone()["n"] == 1
    assert heard[0] is not None
    assert "kept busy by other vms_desk processes" in heard[0]
    assert "Exports go on and are recorded when it is free." in heard[0]
    assert heard[-1] is None
