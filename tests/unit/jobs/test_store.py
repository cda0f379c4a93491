"""The SQLite job store's own file: migrations on a file and WAL (tests/unit/store runs the store's
behaviour on both engines)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from jobs_helpers import new_record

from vms_desk.core.errors import StorageError
from vms_desk.jobs.schema import MIGRATIONS
from vms_desk.jobs.store import JobStore


def columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[1] for row in conn.execute("PRAGMA table_info(jobs)")]


def test_new_store_is_at_the_latest_schema_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    assert store.version == len(MIGRATIONS)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(len(MIGRATIONS),)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert JobStore(path).version == len(MIGRATIONS)  # reopening runs nothing again


def test_migration_step_upgrades_an_existing_store_keeping_jobs(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    old = JobStore(path)
    record = old.add(new_record(tmp_path), "queued")
    step = (
        "ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;\n"
        "CREATE INDEX jobs_priority ON jobs (priority);"
    )
    upgraded = JobStore(path, migrations=(*MIGRATIONS, step))
    assert upgraded.version == len(MIGRATIONS) + 1
    assert "priority" in columns(path)
    assert upgraded.get(record.id) == record
    # A build that knows fewer steps refuses the newer database instead of damaging it.
    with pytest.raises(StorageError, match="newer version"):
        JobStore(path)


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    JobStore(path)
    bad = "ALTER TABLE jobs ADD COLUMN x INTEGER;\nTHIS IS NOT SQL;"
    with pytest.raises(StorageError):
        JobStore(path, migrations=(*MIGRATIONS, bad))
    assert "x" not in columns(path)
    assert JobStore(path).version == len(MIGRATIONS)
