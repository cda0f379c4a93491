"""A job store another process keeps locked: the error says so, and nothing is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vms_desk.core.errors import StorageError
from vms_desk.store import sqlite as sqlite_engine
from vms_desk.store.sqlite import SqliteDatabase


def test_a_write_lock_held_past_the_busy_timeout_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = SqliteDatabase(tmp_path / "jobs.sqlite3")
    with db.write() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    monkeypatch.setattr(sqlite_engine, "BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(tmp_path / "jobs.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        with (
            pytest.raises(StorageError, match="kept busy by another vms_desk process") as caught,
            db.write() as conn,
        ):
            conn.execute("INSERT INTO t (x) VALUES (1)")
        assert "locked" in caught.value.detail
    finally:
        other.execute("ROLLBACK")
        other.close()
    with db.read() as conn:
        assert conn.execute("SELECT count(*) AS n FROM t").fetchone()["n"] == 0
